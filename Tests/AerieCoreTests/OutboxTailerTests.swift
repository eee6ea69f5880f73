// Aerie — the server side of the `_events` outbox, with a second App standing in for the import process
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieSQLite
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct OutboxTailerTests {
    static let schema = #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"}],"listRule":"","viewRule":""}]}"#

    /// Collects the frames the broker sends one client.
    final class Sink: RealtimeSink {
        let frames = Mutex<[[UInt8]]>([])
        func send(_ bytes: [UInt8]) -> Bool { frames.withLock { $0.append(bytes) }; return true }
        func close() {}
        /// The `data:` JSON of every frame so far.
        var events: [JSON] {
            frames.withLock { $0 }.compactMap { frame in
                let text = String(decoding: frame, as: UTF8.self)
                guard let start = text.range(of: "\ndata:") else { return nil }
                return try? JSONParser.parse(String(text[start.upperBound...]).trimmingCharacters(in: .newlines))
            }
        }
    }

    final class Directory {
        let path: String
        init() {
            var template = Array("/tmp/aerie-outbox-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        }
        deinit { _ = system("rm -rf '\(path)'") }
    }

    func open(_ dir: Directory) throws -> App {
        try App.open(directory: dir.path, schema: try SchemaLoader.load(Array(Self.schema.utf8), file: "s.json"), readerCount: 2)
    }

    /// Imports `ids` through `writer` (another App on the directory: its own pool, like the import process).
    func importPosts(_ ids: [String], with writer: App, announce: Bool = true) throws {
        var items = ids.enumerated().map { ImportItem.record(line: $0.offset + 1, body: ["id": .string($0.element), "title": "t"]) }[...]
        _ = try writer.records.importRecords(collection: "posts", announce: announce, next: { items.popFirst() })
    }

    func pending(_ app: App) throws -> Int {
        try app.pool.read { db in
            guard case .integer(let n)? = try db.queryScalar(#"SELECT count(*) FROM "_events""#) else { return -1 }
            return Int(n)
        }
    }

    /// Waits (bounded) until `condition` holds.
    func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            usleep(10_000)
        }
        return try condition()
    }

    static func id(_ n: Int) -> String {
        let digits = String(n)
        return "r" + String(repeating: "0", count: 14 - digits.count) + digits
    }

    @Test func tailer_discardsLeftoverRows_thenPublishesLaterCommitsInOrder_acrossBatches() throws {
        let dir = Directory()
        let server = try open(dir), writer = try open(dir)
        defer { writer.close(); server.close() }
        // Rows from before the server started: nobody subscribed to them.
        try importPosts([Self.id(0)], with: writer)
        #expect(try pending(server) == 1)
        let broker = RealtimeBroker(records: server.records)
        let tailer = try OutboxTailer(app: server, broker: broker)
        defer { tailer.stop() }
        #expect(try pending(server) == 0)

        let sink = Sink()
        let client = broker.connect(sink: sink, remoteAddress: "127.0.0.1")
        try broker.setSubscriptions(clientID: client, topics: ["posts/*"], requester: .guest, remoteAddress: "127.0.0.1")
        let ids = (1...2500).map(Self.id)
        try importPosts(ids, with: writer)
        #expect(eventually { sink.events.count >= ids.count })
        let events = sink.events
        #expect(events.map { $0["record"]?["id"]?.stringValue ?? "" } == ids)
        #expect(events.allSatisfy { $0["action"] == "create" && $0["record"]?["collectionName"] == "posts" })
        #expect(try eventually { try pending(server) == 0 })
        #expect(tailer.publishedCount == ids.count)
    }

    @Test func withoutClients_rowsAreConsumedWithoutPublishing() throws {
        let dir = Directory()
        let server = try open(dir), writer = try open(dir)
        defer { writer.close(); server.close() }
        let broker = RealtimeBroker(records: server.records)
        let tailer = try OutboxTailer(app: server, broker: broker)
        defer { tailer.stop() }
        try importPosts((1...10).map(Self.id), with: writer)
        #expect(try eventually { try pending(server) == 0 })
        #expect(tailer.publishedCount == 0)
        // A later client only hears of later imports.
        let sink = Sink()
        let client = broker.connect(sink: sink, remoteAddress: "127.0.0.1")
        try broker.setSubscriptions(clientID: client, topics: ["posts/*"], requester: .guest, remoteAddress: "127.0.0.1")
        try importPosts([Self.id(11)], with: writer)
        #expect(eventually { !sink.events.isEmpty })
        #expect(sink.events.map { $0["record"]?["id"]?.stringValue ?? "" } == [Self.id(11)])
    }

    @Test func presence_isSeenByWriters_onlyWhileHeld() throws {
        let dir = Directory()
        #expect(!ServerPresence.isServerRunning(directory: dir.path))
        var first: ServerPresence? = try ServerPresence(directory: dir.path)
        #expect(ServerPresence.isServerRunning(directory: dir.path))
        // Several servers may share a directory; any one of them counts.
        var second: ServerPresence? = try ServerPresence(directory: dir.path)
        first = nil
        #expect(first == nil && ServerPresence.isServerRunning(directory: dir.path))
        second = nil
        #expect(second == nil && !ServerPresence.isServerRunning(directory: dir.path))
    }
}
