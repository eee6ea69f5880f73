// Aerie — `aerie backup create|list|restore` as a subprocess, including under write load
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite
import AerieTesting
import Foundation
import Glibc
import Testing

@Suite struct BackupCommandTests {
    static let schema = #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"}],"listRule":"","viewRule":"","createRule":""}]}"#

    func ids(in database: String) throws -> Set<String> {
        let db = try Connection(path: database, readOnly: true)
        defer { db.close() }
        var out = Set<String>()
        try db.query(#"SELECT "id" FROM "posts""#) { out.insert($0.string(0)) }
        return out
    }

    func integrity(of database: String) throws -> SQLValue? {
        let db = try Connection(path: database, readOnly: true)
        defer { db.close() }
        return try db.queryScalar("PRAGMA integrity_check")
    }

    @Test func backupDuringWriteLoad_restoresEveryAcknowledgedWrite() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        let acknowledged = AckedIDs()
        let port = server.port
        let stop = Atomicish()
        let writers = (0..<3).map { w in
            Thread {
                guard let client = try? RawHTTPClient(port: port) else { return }
                var i = 0
                while !stop.isSet {
                    let body = Array(#"{"title":"w\#(w)-\#(i)"}"#.utf8)
                    guard let response = try? client.request("POST", "/api/collections/posts/records",
                                                             headers: [("Content-Type", "application/json")], body: body),
                          response.status == 200,
                          let id = (try? JSONParser.parse(response.body))?["id"]?.stringValue else { break }
                    acknowledged.add(id)
                    i += 1
                }
                client.close()
                acknowledged.finished()
            }
        }
        writers.forEach { $0.start() }
        #expect(acknowledged.wait(atLeast: 200), "writers did not get going")
        let before = acknowledged.snapshot()
        let created = try aerie("backup", "create", "snap", "--dir", "data", in: directory)
        let during = acknowledged.snapshot().count - before.count
        stop.set()
        acknowledged.waitForFinish(count: writers.count)
        #expect(created.status == 0, "\(created)")
        print("backup under load: \(before.count) writes acknowledged before, \(during) during the backup")

        // A running server blocks restore.
        let refused = try aerie("backup", "restore", "snap", "--dir", "data", in: directory)
        #expect(refused.status == 1 && refused.stderr.contains("stop it first"), "\(refused)")
        #expect(try server.stop().status == 0)

        let total = acknowledged.snapshot()
        #expect(try ids(in: directory.path + "/data/data.db") == total)
        let restored = try aerie("backup", "restore", "snap", "--dir", "data", in: directory)
        #expect(restored.status == 0 && restored.stdout.contains("pre-restore-"), "\(restored)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data")
        #expect(!leftovers.contains { $0.hasPrefix(".restore-") || $0.hasSuffix("-wal") }, "\(leftovers)")
        let database = directory.path + "/data/data.db"
        #expect(try integrity(of: database) == .text("ok"))
        let back = try ids(in: database)
        #expect(before.isSubset(of: back), "missing \(before.subtracting(back).count) acknowledged writes")
        #expect(back.isSubset(of: total))
    }

    @Test func storageFiles_roundTrip_andListShowsBackups() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        let storage = directory.path + "/data/storage/pbc_1/r1"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        try "hello".write(toFile: storage + "/a.txt", atomically: false, encoding: .utf8)
        let created = try aerie("backup", "create", "--dir", "data", in: directory)
        #expect(created.status == 0 && created.stdout.hasPrefix("created data/backups/aerie-"), "\(created)")
        let name = try #require(created.stdout.firstMatch(of: #/(aerie-[0-9-]+\.tar)/#)).1

        try FileManager.default.removeItem(atPath: storage + "/a.txt")
        try "new".write(toFile: storage + "/b.txt", atomically: false, encoding: .utf8)
        let list = try aerie("backup", "list", "--dir", "data", in: directory)
        #expect(list.status == 0 && list.stdout.hasPrefix(String(name)), "\(list)")

        let restored = try aerie("backup", "restore", String(name), "--dir", "data", in: directory)
        #expect(restored.status == 0, "\(restored)")
        #expect(try String(contentsOfFile: storage + "/a.txt", encoding: .utf8) == "hello")
        #expect(!FileManager.default.fileExists(atPath: storage + "/b.txt"))
    }

    @Test func restore_refusesDamagedArchive_andChangesNothing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        #expect(try aerie("backup", "create", "good", "--dir", "data", in: directory).status == 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/data/backups/good.tar"))
        try good.prefix(3000).write(to: URL(fileURLWithPath: directory.path + "/data/backups/cut.tar"))
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/data/data.db"))
        let result = try aerie("backup", "restore", "cut", "--dir", "data", in: directory)
        #expect(result.status == 1 && result.stderr.contains("truncated"), "\(result)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/data/data.db")) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data")
        #expect(!names.contains { $0.hasPrefix(".restore-") }, "\(names)")
        #expect(try aerie("backup", "create", "good", "--dir", "data", in: directory).status == 1, "names are never overwritten")
        #expect(try aerie("backup", "create", "../x", "--dir", "data", in: directory).status == 64)
    }
}

/// Acknowledged record ids, shared between writer threads and the test.
// @unchecked Sendable: every access holds `condition`.
final class AckedIDs: @unchecked Sendable {
    private var ids = Set<String>()
    private var done = 0
    private let condition = NSCondition()

    func add(_ id: String) { condition.lock(); ids.insert(id); condition.broadcast(); condition.unlock() }
    func finished() { condition.lock(); done += 1; condition.broadcast(); condition.unlock() }
    func snapshot() -> Set<String> { condition.lock(); defer { condition.unlock() }; return ids }

    func wait(atLeast n: Int) -> Bool {
        let deadline = Date(timeIntervalSinceNow: 20)
        condition.lock(); defer { condition.unlock() }
        while ids.count < n { if !condition.wait(until: deadline) { return false } }
        return true
    }

    func waitForFinish(count: Int) {
        let deadline = Date(timeIntervalSinceNow: 20)
        condition.lock(); defer { condition.unlock() }
        while done < count { if !condition.wait(until: deadline) { return } }
    }
}

/// A flag set once.
// @unchecked Sendable: every access holds `lock`.
final class Atomicish: @unchecked Sendable {
    private var value = false
    private let lock = NSLock()
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

extension BackupCommandTests {
    @Test(arguments: [0, 2_000, 20_000])
    func interruptedBackup_leavesNothingHalfWritten(afterMicroseconds delay: Int) throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        let process = try AerieProcess(["backup", "create", "--dir", "data"], in: directory)
        if delay > 0 { usleep(useconds_t(delay)) }
        process.send(SIGINT)
        let result = try process.waitForExit()
        // Whichever came first, the signal or the end of the backup: a whole archive or none.
        #expect(result.status == 130 || result.status == 0, "\(result)")
        let folder = directory.path + "/data/backups"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(!names.contains { $0.hasPrefix(".tmp-") }, "\(names)")
        // The signal may land after the archive was renamed into place: then it is whole.
        #expect(names.count <= 1 && (result.status != 0 || names.count == 1), "\(result) \(names)")
        for name in names {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            #expect(bytes.count % 512 == 0 && bytes.suffix(1024).allSatisfy { $0 == 0 }, "\(name) is not a complete archive")
        }
    }
}

@Suite struct DirectoryLockTests {
    @Test func serve_refusesToStart_WhileRestoreOrApplyHoldsTheDirectory() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/data", withIntermediateDirectories: true)
        // What `backup restore` and `schema apply` hold while they run.
        let fd = open(directory.path + "/data/.aerie.lock", O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let refused = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", in: directory)
        #expect(refused.status == 1 && refused.stderr.contains("is being restored or migrated"), "\(refused)")
        for arguments in [["backup", "create", "--dir", "data"], ["records", "export", "posts", "--dir", "data"]] {
            try directory.write("data/data.db", "")
            let other = try AerieProcess(arguments, in: directory).waitForExit()
            #expect(other.status == 1 && other.stderr.contains("is being restored or migrated"), "\(arguments): \(other)")
        }
        try FileManager.default.removeItem(atPath: directory.path + "/data/data.db")
        close(fd)
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        #expect(try server.stop().status == 0)
    }

    @Test func failedOutput_leavesNoFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", BackupCommandTests.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        let schema = try aerie("schema", "export", "--dir", "data", "--out", "missing/schema.json", in: directory)
        #expect(schema.status == 1 && schema.stderr.hasPrefix("error: cannot create missing/schema.json.tmp-"), "\(schema)")
        let records = try aerie("records", "export", "posts", "--dir", "data", "--out", "missing/posts.ndjson", in: directory)
        #expect(records.status == 1, "\(records)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(Set(names) == ["schema.json", "data"], "\(names)")
    }
}
