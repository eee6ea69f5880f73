// Aerie — black-box tests of file uploads, downloads and protected files
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import AerieTesting
import Dispatch
import Glibc
import Testing

let filesSchema = """
{"collections":[
 {"name":"docs","listRule":"","viewRule":"","createRule":"","updateRule":"","deleteRule":"","fields":[
   {"name":"title","type":"text"},
   {"name":"one","type":"file","maxSelect":1,"maxSize":100},
   {"name":"many","type":"file","maxSelect":3,"maxSize":1000,"mimeTypes":["image/png","text/plain"]},
   {"name":"big","type":"file","maxSelect":1,"maxSize":20000000},
   {"name":"secret","type":"file","maxSelect":1,"protected":true}]},
 {"name":"private","listRule":"@request.auth.id != ''","viewRule":"@request.auth.id != ''","createRule":"","deleteRule":"","fields":[
   {"name":"doc","type":"file","maxSelect":1,"protected":true}]},
 {"name":"notes","listRule":"","viewRule":"","createRule":"","deleteRule":"","fields":[
   {"name":"doc","type":"relation","collection":"docs","cascadeDelete":true,"maxSelect":1},
   {"name":"attachment","type":"file","maxSelect":1}]}
]}
"""

let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("0123456789".utf8)
let text = Array("hello world\n".utf8)

@Suite struct FilesTests {
    func server() throws -> TestServer { try TestServer(schema: filesSchema) }

    /// The stored file's path for a record field value.
    func storedPath(_ s: TestServer, _ record: JSON, _ name: String) -> String {
        "\(s.directory)/storage/\(record["collectionId"]?.stringValue ?? "")/\(record["id"]?.stringValue ?? "")/\(name)"
    }

    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    func download(_ s: TestServer, _ record: JSON, _ name: String, query: String = "", headers: [(String, String)] = []) throws -> TestResponse {
        try s.request("GET", "/api/files/\(record["collectionName"]?.stringValue ?? "")/\(record["id"]?.stringValue ?? "")/\(name)\(query)",
                      headers: headers)
    }

    @Test func createWithFiles_StoresThemUnderSanitisedNames() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.field("title", "hi")
        form.file("one", name: "a.txt", text)
        form.file("many", name: "p.png", png)
        form.file("many", name: "My Photo (1).PNG", text)
        let r = try s.request("POST", "/api/collections/docs/records", form: form)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["title"] == "hi")
        let one = r.json["one"]?.stringValue ?? ""
        #expect(one.hasPrefix("a") && one.hasSuffix(".txt") && one.utf8.count == "a".utf8.count + 10 + 1 + 10 + 4)
        let many = r.json["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(many.count == 2)
        #expect(many.last?.hasPrefix("my_photo_1_") == true && many.last?.hasSuffix(".PNG") == true)
        for name in [one] + many { #expect(exists(storedPath(s, r.json, name)), "\(name) stored") }
        let d = try download(s, r.json, one)
        #expect(d.status == 200)
        #expect(d.body == text)
    }

    @Test func validation_SizeTypeCountAndUnknownNames() throws {
        let s = try server(); defer { s.stop() }
        var tooBig = MultipartBuilder()
        tooBig.file("one", name: "big.bin", [UInt8](repeating: 7, count: 101))
        let a = try s.request("POST", "/api/collections/docs/records", form: tooBig)
        #expect(a.status == 400)
        #expect(a.code("one") == "validation_file_size_limit")
        #expect(a.json["data"]?["one"]?["message"] == "Failed to upload big.bin - the maximum allowed file size is 100 bytes.")
        #expect(a.json["data"]?["one"]?["params"] == ["file": "big.bin", "maxSize": 100])

        var wrongType = MultipartBuilder()
        wrongType.file("many", name: "d.pdf", Array("%PDF-1.4 xx".utf8))
        let b = try s.request("POST", "/api/collections/docs/records", form: wrongType)
        #expect(b.status == 400)
        #expect(b.code("many") == "validation_invalid_mime_type")
        #expect(b.json["data"]?["many"]?["message"]?.stringValue?.hasSuffix(".pdf\" mime type must be one of: image/png, text/plain.") == true)

        var tooMany = MultipartBuilder()
        for i in 0..<4 { tooMany.file("many", name: "f\(i).txt", text) }
        let c = try s.request("POST", "/api/collections/docs/records", form: tooMany)
        #expect(c.status == 400)
        #expect(c.json["data"]?["many"] == ["code": "validation_too_many_files", "message": "The maximum allowed files is 3.", "params": ["maxSelect": 3]])

        let d = try s.request("POST", "/api/collections/docs/records", json: ["one": "zzz.txt"])
        #expect(d.status == 400)
        #expect(d.json["data"]?["one"] == ["code": "validation_invalid_file", "message": "Invalid new files: [zzz.txt].", "params": ["invalidFiles": ["zzz.txt"]]])

        // Nothing from a refused request is left behind.
        let storage = "\(s.directory)/storage"
        let leftovers = try s.request("GET", "/api/collections/docs/records")
        #expect(leftovers.json["totalItems"] == 0)
        #expect(Self.files(under: storage).isEmpty, "\(Self.files(under: storage))")
    }

    @Test func singleFileField_KeepsTheLastUpload() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("one", name: "a.txt", text)
        form.file("one", name: "b.png", png)
        let r = try s.request("POST", "/api/collections/docs/records", form: form)
        #expect(r.status == 200)
        #expect(r.json["one"]?.stringValue?.hasSuffix(".png") == true)
        #expect(Self.files(under: "\(s.directory)/storage").count == 1, "the dropped upload is not stored")
    }

    @Test func update_AppendPrependReplaceRemoveAndClear() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("many", name: "first.txt", text)
        form.file("one", name: "one.txt", text)
        let created = try s.request("POST", "/api/collections/docs/records", form: form).json
        let id = created["id"]?.stringValue ?? ""
        let path = "/api/collections/docs/records/\(id)"
        let first = created["many"]?[0]?.stringValue ?? ""

        var append = MultipartBuilder()
        append.file("many+", name: "second.txt", text)
        let a = try s.request("PATCH", path, form: append)
        #expect(a.status == 200)
        let afterAppend = a.json["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(afterAppend.count == 2 && afterAppend[0] == first && afterAppend[1].hasPrefix("second_"))

        var prepend = MultipartBuilder()
        prepend.file("+many", name: "zero.txt", text)
        let p = try s.request("PATCH", path, form: prepend)
        let afterPrepend = p.json["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(afterPrepend.count == 3 && afterPrepend[0].hasPrefix("zero_") && afterPrepend[1] == first)

        // A plain key with an upload and a listed name keeps the listed one and drops the rest.
        var replace = MultipartBuilder()
        replace.field("many", first)
        replace.file("many", name: "rep.txt", text)
        let rp = try s.request("PATCH", path, form: replace)
        let afterReplace = rp.json["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(afterReplace.count == 2 && afterReplace[0] == first && afterReplace[1].hasPrefix("rep_"))
        #expect(!exists(storedPath(s, created, afterPrepend[0])), "the replaced file is deleted")
        #expect(!exists(storedPath(s, created, afterPrepend[2])), "the replaced file is deleted")

        let removed = try s.request("PATCH", path, json: ["many-": .string(first)])
        #expect(removed.json["many"] == [.string(afterReplace[1])])
        #expect(!exists(storedPath(s, created, first)))

        let oneName = created["one"]?.stringValue ?? ""
        #expect(exists(storedPath(s, created, oneName)))
        let cleared = try s.request("PATCH", path, json: ["one": ""])
        #expect(cleared.json["one"] == "")
        #expect(!exists(storedPath(s, created, oneName)), "a cleared file is deleted")

        // A plain key with only an upload replaces the whole value.
        var only = MultipartBuilder()
        only.file("many", name: "solo.txt", text)
        let o = try s.request("PATCH", path, form: only)
        let afterOnly = o.json["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(afterOnly.count == 1 && afterOnly[0].hasPrefix("solo_"))
        #expect(Self.files(under: "\(s.directory)/storage") == [storedPath(s, created, afterOnly[0])])

        // A failed update keeps the old files and stores nothing new.
        var bad = MultipartBuilder()
        bad.file("many+", name: "bad.pdf", Array("%PDF-1.4".utf8))
        #expect(try s.request("PATCH", path, form: bad).status == 400)
        #expect(Self.files(under: "\(s.directory)/storage") == [storedPath(s, created, afterOnly[0])])
    }

    @Test func uploadUnderANonFileField_IsIgnored() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.field("title", "kept")
        form.file("title", name: "a.txt", text)
        form.file("nope", name: "b.txt", text)
        let r = try s.request("POST", "/api/collections/docs/records", form: form)
        #expect(r.status == 200)
        #expect(r.json["title"] == "kept")
        #expect(Self.files(under: "\(s.directory)/storage").isEmpty)
    }

    @Test func jsonPayload_CarriesTheOtherValues() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.field("@jsonPayload", #"{"title":"from json"}"#)
        form.file("one", name: "a.txt", text)
        let r = try s.request("POST", "/api/collections/docs/records", form: form)
        #expect(r.status == 200)
        #expect(r.json["title"] == "from json")
        #expect(r.json["one"]?.stringValue?.isEmpty == false)
    }

    @Test func download_RangeValidatorsAndHeaders() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("one", name: "a.txt", text)
        form.file("many", name: "p.png", png)
        let rec = try s.request("POST", "/api/collections/docs/records", form: form).json
        let name = rec["one"]?.stringValue ?? ""
        let full = try download(s, rec, name)
        #expect(full.status == 200)
        #expect(full.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(full.header("Content-Length") == "12")
        #expect(full.header("Content-Disposition") == "attachment; filename=\"\(name)\"")
        #expect(full.header("Cache-Control") == "max-age=2592000, stale-while-revalidate=86400")
        #expect(full.header("Accept-Ranges") == "bytes")
        #expect(full.header("X-Frame-Options") == nil)
        let etag = full.header("ETag") ?? ""
        let modified = full.header("Last-Modified") ?? ""
        #expect(!etag.isEmpty && modified.hasSuffix(" GMT"))

        let part = try download(s, rec, name, headers: [("Range", "bytes=2-5")])
        #expect(part.status == 206)
        #expect(part.body == Array(text[2...5]))
        #expect(part.header("Content-Range") == "bytes 2-5/12")
        let suffix = try download(s, rec, name, headers: [("Range", "bytes=-3")])
        #expect(suffix.status == 206 && suffix.body == Array(text[9...]))
        let open = try download(s, rec, name, headers: [("Range", "bytes=10-")])
        #expect(open.status == 206 && open.body == Array(text[10...]))
        let outside = try download(s, rec, name, headers: [("Range", "bytes=50-60")])
        #expect(outside.status == 416)
        #expect(outside.header("Content-Range") == "bytes */12")

        #expect(try download(s, rec, name, headers: [("If-None-Match", etag)]).status == 304)
        #expect(try download(s, rec, name, headers: [("If-None-Match", "\"other\"")]).status == 200)
        #expect(try download(s, rec, name, headers: [("If-Modified-Since", modified)]).status == 304)
        #expect(try download(s, rec, name, headers: [("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]).status == 200)
        let stale = try download(s, rec, name, headers: [("Range", "bytes=0-1"), ("If-Range", "\"stale\"")])
        #expect(stale.status == 200 && stale.body == text, "a stale If-Range gets the whole file")

        let image = rec["many"]?[0]?.stringValue ?? ""
        let inline = try download(s, rec, image, query: "?thumb=100x100")
        #expect(inline.header("Content-Type") == "image/png")
        #expect(inline.header("Content-Disposition") == "inline; filename=\"\(image)\"")
        #expect(inline.body == png, "thumb answers the original")
        let forced = try download(s, rec, image, query: "?download=1")
        #expect(forced.header("Content-Disposition") == "attachment; filename=\"\(image)\"")

        let head = try RawHTTPClient(port: s.port).request("HEAD", "/api/files/docs/\(rec["id"]?.stringValue ?? "")/\(name)")
        #expect(head.status == 200 && head.header("Content-Length") == "12" && head.body.isEmpty)

        #expect(try download(s, rec, "missing.txt").status == 404)
        #expect(try s.request("GET", "/api/files/docs/nope/\(name)").status == 404)
        let unknown = try s.request("GET", "/api/files/nope/\(rec["id"]?.stringValue ?? "")/\(name)")
        #expect(unknown.status == 404 && unknown.json["message"] == "Missing or invalid collection context.")
    }

    @Test func download_LargeFileIsIntactOverKeepAlive() throws {
        let s = try server(); defer { s.stop() }
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        var form = MultipartBuilder()
        form.file("big", name: "blob.bin", bytes)
        let rec = try s.request("POST", "/api/collections/docs/records", form: form).json
        let path = "/api/files/docs/\(rec["id"]?.stringValue ?? "")/\(rec["big"]?.stringValue ?? "")"
        let client = try RawHTTPClient(port: s.port, timeout: .seconds(60))
        defer { client.close() }
        for _ in 0..<2 {
            let r = try client.request("GET", path)
            #expect(r.status == 200)
            #expect(r.body == bytes)
        }
        let health = try client.request("GET", "/api/health")
        #expect(health.status == 200, "the connection is reusable after a file body")
    }

    @Test func protectedFiles_NeedATokenThatPassesTheViewRule() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("doc", name: "s.txt", text)
        let su = try s.superuserToken()
        let rec = try s.request("POST", "/api/collections/private/records", form: form).json
        let name = rec["doc"]?.stringValue ?? ""
        let path = "/api/files/private/\(rec["id"]?.stringValue ?? "")/\(name)"
        #expect(try s.request("GET", path).status == 404, "no token")
        #expect(try s.request("GET", path, token: su).status == 404, "the Authorization header is ignored")
        #expect(try s.request("GET", path + "?token=garbage").status == 404)
        #expect(try s.request("POST", "/api/files/token").status == 401)
        let issued = try s.request("POST", "/api/files/token", token: su)
        #expect(issued.status == 200)
        let fileToken = issued.json["token"]?.stringValue ?? ""
        let claims = JWTClaims.decode(fileToken)
        #expect(claims?["type"] == "file")
        #expect(claims?.keys.sorted() == ["collectionId", "exp", "id", "type"])
        let ok = try s.request("GET", path + "?token=\(fileToken)")
        #expect(ok.status == 200 && ok.body == text)
        #expect(try s.request("GET", path + "?token=\(su)").status == 404, "an auth token is not a file token")

        // A protected field whose view rule admits guests is readable without a token.
        var pub = MultipartBuilder()
        pub.file("secret", name: "p.txt", text)
        let open = try s.request("POST", "/api/collections/docs/records", form: pub).json
        #expect(try download(s, open, open["secret"]?.stringValue ?? "").status == 200)
    }

    @Test func delete_RemovesFilesIncludingCascades() throws {
        let s = try server(); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("one", name: "a.txt", text)
        let doc = try s.request("POST", "/api/collections/docs/records", form: form).json
        var noteForm = MultipartBuilder()
        noteForm.field("doc", doc["id"]?.stringValue ?? "")
        noteForm.file("attachment", name: "n.txt", text)
        let note = try s.request("POST", "/api/collections/notes/records", form: noteForm).json
        #expect(note["attachment"]?.stringValue?.isEmpty == false)
        #expect(Self.files(under: "\(s.directory)/storage").count == 2)
        let r = try s.request("DELETE", "/api/collections/docs/records/\(doc["id"]?.stringValue ?? "")")
        #expect(r.status == 204)
        #expect(Self.files(under: "\(s.directory)/storage").isEmpty, "the cascaded note's file goes too")
        #expect(!exists("\(s.directory)/storage/\(doc["collectionId"]?.stringValue ?? "")/\(doc["id"]?.stringValue ?? "")"))
    }

    @Test func concurrentUploads_AllLandIntact() throws {
        let s = try server(); defer { s.stop() }
        let count = 100
        let results = Locked([(Int, String, String)]())
        let failures = Locked([String]())
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "uploads", attributes: .concurrent)
        for i in 0..<count { queue.async(group: group) {
            var bytes = [UInt8](repeating: 0, count: 2000 + i * 97)
            for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: (i * 31 + j) &* 7) }
            var form = MultipartBuilder()
            form.file("big", name: "f\(i).bin", bytes)
            do {
                let r = try s.request("POST", "/api/collections/docs/records", form: form)
                guard r.status == 200, let id = r.json["id"]?.stringValue, let name = r.json["big"]?.stringValue else {
                    failures.withLock { $0.append("\(i): \(r.status) \(r.text)") }
                    return
                }
                results.withLock { $0.append((i, id, name)) }
            } catch {
                failures.withLock { $0.append("\(i): \(error)") }
            }
        } }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        let all = results.withLock { $0 }
        #expect(all.count == count)
        for (i, id, name) in all {
            var expected = [UInt8](repeating: 0, count: 2000 + i * 97)
            for j in expected.indices { expected[j] = UInt8(truncatingIfNeeded: (i * 31 + j) &* 7) }
            let d = try s.request("GET", "/api/files/docs/\(id)/\(name)")
            #expect(d.body == expected, "upload \(i) intact")
        }
    }

    /// Regular files under `root`, the temporary directory excluded, sorted.
    static func files(under root: String) -> [String] {
        var out: [String] = []
        func walk(_ path: String) {
            guard let dir = opendir(path) else { return }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." || name == ".tmp" { continue }
                let child = path + "/" + name
                if entry.pointee.d_type == UInt8(DT_DIR) { walk(child) } else { out.append(child) }
            }
        }
        walk(root)
        return out.sorted()
    }
}

/// Decodes a JWT's payload without verifying it (tests only).
enum JWTClaims {
    static func decode(_ token: String) -> JSONObject? {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let bytes = Base64.decode(String(parts[1])), case .object(let o)? = try? JSONParser.parse(bytes) else { return nil }
        return o
    }
}

@Suite struct FilesEdgeTests {
    @Test func batch_CarriesFilesPerSubRequest() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        var seed = MultipartBuilder()
        seed.file("many", name: "old.txt", text)
        let existing = try s.request("POST", "/api/collections/docs/records", form: seed).json
        let id = existing["id"]?.stringValue ?? ""
        var form = MultipartBuilder()
        form.field("@jsonPayload", #"{"requests":[{"method":"POST","url":"/api/collections/docs/records","body":{"title":"one"}},"#
                   + #"{"method":"PATCH","url":"/api/collections/docs/records/\#(id)","body":{}}]}"#)
        form.file("requests.0.one", name: "a.txt", text)
        form.file("requests[1].many+", name: "added.txt", text)
        let r = try s.request("POST", "/api/batch", form: form)
        #expect(r.status == 200, "\(r.text)")
        let created = r.json[0]?["body"] ?? .null
        #expect(created["title"] == "one")
        #expect(created["one"]?.stringValue?.hasPrefix("a") == true)
        let updated = r.json[1]?["body"]?["many"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(updated.count == 2 && updated[1].hasPrefix("added_"))
        #expect(FilesTests.files(under: "\(s.directory)/storage").count == 3)

        // A failing batch stores nothing and keeps the old files.
        var failing = MultipartBuilder()
        failing.field("@jsonPayload", #"{"requests":[{"method":"POST","url":"/api/collections/docs/records","body":{}},"#
                      + #"{"method":"POST","url":"/api/collections/docs/records","body":{"one":"nope.txt"}}]}"#)
        failing.file("requests.0.one", name: "b.txt", text)
        #expect(try s.request("POST", "/api/batch", form: failing).status == 400)
        #expect(FilesTests.files(under: "\(s.directory)/storage").count == 3)
        #expect(try s.request("GET", "/api/collections/docs/records").json["totalItems"] == 2)
    }

    @Test func malformedMultipart_Is400AndTooLargeIs413() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        let bad = try s.request("POST", "/api/collections/docs/records", body: "--x\r\nnot a header\r\n\r\n",
                                contentType: "multipart/form-data; boundary=x")
        #expect(bad.status == 400)
        #expect(bad.json["message"] == "Failed to load the submitted data due to invalid formatting.")
        let noBoundary = try s.request("POST", "/api/collections/docs/records", body: "x", contentType: "multipart/form-data")
        #expect(noBoundary.status == 400)
    }

    @Test func otherEndpoints_ReadMultipartTextValues() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        try s.ensureSuperuser()
        var form = MultipartBuilder()
        form.field("identity", TestServer.superuserEmail)
        form.field("password", TestServer.superuserPassword)
        let r = try s.request("POST", "/api/collections/_superusers/auth-with-password", form: form)
        #expect(r.status == 200)
        #expect(r.json["token"]?.stringValue?.isEmpty == false)
    }
}

@Suite struct FilesBatchTests {
    @Test func batchUpdateAndDelete_RemoveFilesAfterCommit() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("one", name: "a.txt", text)
        form.file("many", name: "b.txt", text)
        let a = try s.request("POST", "/api/collections/docs/records", form: form).json
        let b = try s.request("POST", "/api/collections/docs/records", form: form).json
        #expect(FilesTests.files(under: "\(s.directory)/storage").count == 4)
        let token = try s.superuserToken()
        // A failing batch keeps every file.
        let failing: JSON = ["requests": [
            ["method": "PATCH", "url": .string("/api/collections/docs/records/\(a["id"]?.stringValue ?? "")"), "body": ["one": ""]],
            ["method": "PATCH", "url": .string("/api/collections/docs/records/\(b["id"]?.stringValue ?? "")"), "body": ["one": "nope.txt"]],
        ]]
        #expect(try s.request("POST", "/api/batch", json: failing, token: token).status == 400)
        #expect(FilesTests.files(under: "\(s.directory)/storage").count == 4)
        let batch: JSON = ["requests": [
            ["method": "PATCH", "url": .string("/api/collections/docs/records/\(a["id"]?.stringValue ?? "")"), "body": ["one": ""]],
            ["method": "DELETE", "url": .string("/api/collections/docs/records/\(b["id"]?.stringValue ?? "")")],
        ]]
        let r = try s.request("POST", "/api/batch", json: batch, token: token)
        #expect(r.status == 200, "\(r.text)")
        let left = FilesTests.files(under: "\(s.directory)/storage")
        #expect(left.count == 1 && left.first?.hasSuffix(a["many"]?[0]?.stringValue ?? "?") == true, "\(left)")
    }
}

@Suite struct OrphanSweepTests {
    @Test func sweep_RemovesOldUnreferencedFilesOnly() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        var form = MultipartBuilder()
        form.file("one", name: "kept.txt", text)
        let rec = try s.request("POST", "/api/collections/docs/records", form: form).json
        let dir = "\(s.directory)/storage/\(rec["collectionId"]?.stringValue ?? "")"
        let recordDir = "\(dir)/\(rec["id"]?.stringValue ?? "")"
        func plant(_ path: String, old: Bool) {
            let fd = open(path, O_WRONLY | O_CREAT, 0o600)
            _ = write(fd, "x", 1)
            close(fd)
            if old {
                var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
                _ = utimensat(AT_FDCWD, path, &times, 0)
            }
        }
        plant(recordDir + "/orphan_from_a_crash.txt", old: true)
        plant(recordDir + "/upload_in_flight.txt", old: false)
        mkdir(dir + "/deletedrecord123", 0o755)
        plant(dir + "/deletedrecord123/left.txt", old: true)

        let removed = try s.app.files.sweepOrphans(modifiedBefore: Timestamp.now().seconds - 60)
        #expect(removed == 2)
        let left = FilesTests.files(under: "\(s.directory)/storage").map { $0.split(separator: "/").last.map(String.init) ?? "" }
        #expect(left.sorted() == [rec["one"]?.stringValue ?? "", "upload_in_flight.txt"].sorted())
        #expect(access(dir + "/deletedrecord123", F_OK) != 0, "the directory of a deleted record goes")
        #expect(try s.request("GET", "/api/files/docs/\(rec["id"]?.stringValue ?? "")/\(rec["one"]?.stringValue ?? "")").status == 200)
    }
}
