// Aerie — kill -9 during uploads: every file a record references is complete after restart
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Foundation
import Glibc
import Testing

/// The bytes of upload `n`: deterministic, so the survivor can be checked after the crash.
private func content(_ n: Int) -> [UInt8] {
    let size = 200_000 + (n % 7) * 150_000
    return (0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ n) }
}

private func upload(port: Int, n: Int) throws -> Int {
    let boundary = "crash-test-boundary"
    var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\(n)\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"data\"; filename=\"f.bin\"\r\n\r\n".utf8)
    body += content(n)
    body += Array("\r\n--\(boundary)--\r\n".utf8)
    let client = try RawHTTPClient(port: port, timeout: .seconds(20))
    defer { client.close() }
    return try client.request("POST", "/api/collections/blobs/records",
                              headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body).status
}

/// A value shared by the uploader threads.
private final class Shared<Value>: @unchecked Sendable {  // `value` is guarded by `lock`
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body(&value)
    }
}

@Suite struct CrashUploadTests {
    @Test func killDuringUploads_LeavesNoPartialReferencedFile() throws {
        let directory = try TemporaryDirectory()
        let schema = try directory.write("schema.json", """
            {"collections":[{"name":"blobs","listRule":"","viewRule":"","createRule":"","fields":[
              {"name":"title","type":"text"},{"name":"data","type":"file","maxSelect":1,"maxSize":10000000}]}]}
            """)
        let first = try StartedServer(["--dir", "data", "--schema", schema, "--quiet"], in: directory)
        let succeeded = Shared(0)
        let stop = Shared(false)
        let group = DispatchGroup()
        let port = first.port
        for worker in 0..<6 {
            DispatchQueue.global().async(group: group) {
                var n = worker
                while !stop.withLock({ $0 }) {
                    guard let status = try? upload(port: port, n: n) else { return }
                    if status == 200 { succeeded.withLock { $0 += 1 } }
                    n += 6
                }
            }
        }
        // Kill once uploads are flowing, so some are mid-body, mid-store or mid-commit.
        let deadline = ContinuousClock.now + .seconds(20)
        while succeeded.withLock({ $0 }) < 12 && ContinuousClock.now < deadline { usleep(10_000) }
        first.process.send(SIGKILL)
        stop.withLock { $0 = true }
        group.wait()
        _ = try first.process.waitForExit()
        #expect(succeeded.withLock { $0 } >= 12)

        let second = try StartedServer(["--dir", "data", "--schema", schema, "--quiet"], in: directory)
        defer { _ = try? second.stop() }
        let client = try RawHTTPClient(port: second.port, timeout: .seconds(20))
        let list = try client.request("GET", "/api/collections/blobs/records?perPage=1000")
        #expect(list.status == 200)
        let items = (try JSONParser.parse(list.body))["items"]?.arrayValue ?? []
        #expect(items.count >= succeeded.withLock { $0 })
        for item in items {
            let n = Int(item["title"]?.stringValue ?? "") ?? -1
            let id = item["id"]?.stringValue ?? ""
            let name = item["data"]?.stringValue ?? ""
            let file = try client.request("GET", "/api/files/blobs/\(id)/\(name)")
            #expect(file.status == 200 && file.body == content(n), "record \(id) (upload \(n)) points at a complete file")
        }
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: directory.path + "/data/storage/.tmp")) ?? ["?"]
        #expect(temporary.isEmpty, "temporary uploads of the crashed run are removed at start: \(temporary)")
    }
}
