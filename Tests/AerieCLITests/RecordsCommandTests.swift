// Aerie — `aerie records export|import` as a subprocess
// SPDX-License-Identifier: MIT
import AerieSQLite
import Foundation
import Glibc
import Testing

@Suite struct RecordsCommandTests {
    static let schema = #"""
        {"collections":[
         {"name":"authors","fields":[{"name":"name","type":"text","required":true}]},
         {"name":"posts","fields":[{"name":"title","type":"text","required":true,"max":40},{"name":"views","type":"number"},
           {"name":"ok","type":"bool"},{"name":"tags","type":"select","values":["a","b"],"maxSelect":2},{"name":"meta","type":"json"},
           {"name":"author","type":"relation","collection":"authors"}],
          "indexes":["CREATE UNIQUE INDEX idx_title ON posts (title)"]}]}
        """#

    func prepared() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        try directory.write("authors.ndjson", #"{"id":"a00000000000001","name":"Ann"}"# + "\n")
        let authors = try aerie("records", "import", "authors", "authors.ndjson", "--dir", "data", in: directory)
        #expect(authors.status == 0 && authors.stdout == "imported 1 record into authors\n", "\(authors)")
        return directory
    }

    func count(_ directory: TemporaryDirectory) throws -> Int {
        let result = try aerie("records", "export", "posts", "--dir", "data", in: directory)
        #expect(result.status == 0, "\(result)")
        return result.stdout.split(separator: "\n").count
    }

    @Test func ndjson_importThenExport_keepsValues() throws {
        let directory = try prepared()
        try directory.write("posts.ndjson", """
            {"id":"p00000000000001","title":"one","views":3,"ok":true,"tags":["a"],"meta":{"x":1},"author":"a00000000000001","created":"2024-01-02 03:04:05.000Z"}

            {"id":"p00000000000002","title":"two, \\"quoted\\"\\nnext","views":"4.5","tags":[],"meta":null}
            """)
        let imported = try aerie("records", "import", "posts", "posts.ndjson", "--dir", "data", in: directory)
        #expect(imported.status == 0 && imported.stdout == "imported 2 records into posts\n", "\(imported)")
        let export = try aerie("records", "export", "posts", "--dir", "data", in: directory)
        let lines = export.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(export)")
        #expect(lines.first?.hasPrefix(#"{"id":"p00000000000001","title":"one","views":3,"ok":true,"tags":["a"],"meta":{"x":1},"author":"a00000000000001","created":"2024-01-02 03:04:05.000Z","updated":""#) == true, "\(export)")
        #expect(lines.last?.contains(#""title":"two, \"quoted\"\nnext","views":4.5,"ok":false,"tags":[],"meta":null"#) == true, "\(export)")
        #expect(export.stderr == "exported 2 records from posts\n")
    }

    @Test func invalidLines_areReportedWithLineNumbers_andNothingIsStored() throws {
        let directory = try prepared()
        try directory.write("bad.ndjson", """
            {"title":"fine"}
            {"title":""}
            not json
            {"title":"x","author":"nope"}
            [1]
            {"title":"this title is far too long for the forty character limit"}
            {"title":"fine"}
            """)
        let result = try aerie("records", "import", "posts", "bad.ndjson", "--dir", "data", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("nothing was imported into posts"), "\(result)")
        #expect(result.stderr.contains("line 2: title: Cannot be blank."), "\(result)")
        #expect(result.stderr.contains("line 3: invalid JSON"), "\(result)")
        #expect(result.stderr.contains("line 4: author:"), "\(result)")
        #expect(result.stderr.contains("line 5: expected a JSON object"), "\(result)")
        #expect(result.stderr.contains("line 6: title:"), "\(result)")
        #expect(result.stderr.contains("line 7: title:"), "a unique clash after earlier problems is still found: \(result)")
        #expect(!result.stderr.contains("line 1:"), "\(result)")
        #expect(try count(directory) == 0)

        try directory.write("dup.ndjson", #"{"title":"same"}"# + "\n" + #"{"title":"same"}"# + "\n")
        let dup = try aerie("records", "import", "posts", "dup.ndjson", "--dir", "data", in: directory)
        #expect(dup.status == 1 && dup.stderr.contains("line 2: title:"), "\(dup)")
        #expect(try count(directory) == 0)
    }

    @Test func authRecords_importWithAPassword() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", #"{"collections":[{"name":"users","type":"auth","fields":[{"name":"name","type":"text"}]}]}"#)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        try directory.write("users.ndjson", #"{"email":"a@example.com","password":"password123","name":"A","verified":true}"# + "\n"
            + #"{"email":"b@example.com","password":"short"}"# + "\n")
        let bad = try aerie("records", "import", "users", "users.ndjson", "--dir", "data", in: directory)
        #expect(bad.status == 1 && bad.stderr.contains("line 2: password:"), "\(bad)")
        try directory.write("users.ndjson", #"{"email":"a@example.com","password":"password123","name":"A","verified":true}"# + "\n")
        let good = try aerie("records", "import", "users", "users.ndjson", "--dir", "data", in: directory)
        #expect(good.status == 0, "\(good)")
        let export = try aerie("records", "export", "users", "--dir", "data", in: directory).stdout
        #expect(export.contains(#""email":"a@example.com""#) && export.contains(#""verified":true"#), "\(export)")
        #expect(!export.contains("password") && !export.contains("tokenKey"), "\(export)")
    }

    @Test func manyProblems_stopAfterTwenty() throws {
        let directory = try prepared()
        try directory.write("blank.ndjson", String(repeating: #"{"title":""}"# + "\n", count: 30))
        let result = try aerie("records", "import", "posts", "blank.ndjson", "--dir", "data", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("line 20: title:") && !result.stderr.contains("line 21:"), "\(result)")
        #expect(result.stderr.contains("more problems were found"), "\(result)")
    }

    @Test func csv_roundTrip_withQuotesAndNewlines() throws {
        let directory = try prepared()
        try directory.write("in.csv", "title,views,ok,tags,meta,author\r\n"
            + "plain,1,true,\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"k\"\":[1,2]}\",a00000000000001\r\n"
            + "\"comma, \"\"quote\"\"\nnewline\",2.5,false,,,\n")
        let imported = try aerie("records", "import", "posts", "in.csv", "--dir", "data", in: directory)
        #expect(imported.status == 0 && imported.stdout == "imported 2 records into posts\n", "\(imported)")
        let exported = try aerie("records", "export", "posts", "--format", "csv", "--out", "out.csv", "--dir", "data", in: directory)
        #expect(exported.status == 0 && exported.stdout.isEmpty, "\(exported)")

        // The exported CSV imports into a fresh directory as the same records.
        let other = try TemporaryDirectory()
        try other.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: other).status == 0)
        try FileManager.default.copyItem(atPath: directory.path + "/authors.ndjson", toPath: other.path + "/authors.ndjson")
        try FileManager.default.copyItem(atPath: directory.path + "/out.csv", toPath: other.path + "/out.csv")
        #expect(try aerie("records", "import", "authors", "authors.ndjson", "--dir", "data", in: other).status == 0)
        let again = try aerie("records", "import", "posts", "out.csv", "--dir", "data", in: other)
        #expect(again.status == 0, "\(again)")
        let first = try aerie("records", "export", "posts", "--dir", "data", in: directory).stdout
        let second = try aerie("records", "export", "posts", "--dir", "data", in: other).stdout
        #expect(first == second && first.contains(#""tags":["a","b"],"meta":{"k":[1,2]}"#), "\(first)\n\(second)")

        try directory.write("short.csv", "title,views\nonly-one\n")
        let short = try aerie("records", "import", "posts", "short.csv", "--dir", "data", in: directory)
        #expect(short.status == 1 && short.stderr.contains("line 2: expected 2 fields, found 1"), "\(short)")
    }

    @Test func unknownCollectionAndBadArguments_fail() throws {
        let directory = try prepared()
        let missing = try aerie("records", "export", "nope", "--dir", "data", in: directory)
        #expect(missing.status == 1 && missing.stderr.contains("no collection nope"), "\(missing)")
        let format = try aerie("records", "export", "posts", "--format", "xml", "--dir", "data", in: directory)
        #expect(format.status == 64 && format.stderr.contains("--format must be ndjson or csv"), "\(format)")
        let noDir = try aerie("records", "export", "posts", "--dir", "nowhere", in: directory)
        #expect(noDir.status == 1 && noDir.stderr.contains("has no database"), "\(noDir)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/nowhere"))
    }

    @Test func interruptedImport_storesNothing() throws {
        let directory = try prepared()
        var text = ""
        for i in 0..<60_000 { text += #"{"title":"t\#(i)","views":\#(i)}"# + "\n" }
        try directory.write("many.ndjson", text)
        let process = try AerieProcess(["records", "import", "posts", "many.ndjson", "--dir", "data"], in: directory)
        // Interrupt once the import has started writing (its WAL grows).
        let wal = directory.path + "/data/data.db-wal"
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let size = try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int, size > 200_000 { break }
            usleep(5_000)
        }
        process.send(SIGINT)
        let result = try process.waitForExit()
        #expect(result.status == 130, "\(result)")
        #expect(try count(directory) == 0)
        let db = try Connection(path: directory.path + "/data/data.db", readOnly: true)
        defer { db.close() }
        #expect(try db.queryScalar("PRAGMA integrity_check") == .text("ok"))
    }
}
