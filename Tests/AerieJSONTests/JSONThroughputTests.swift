// Aerie — a throughput measurement for parse and write on a ~1 MB record list (reports, never asserts timing)
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

/// A PocketBase-style list response of about 1 MB, deterministic.
func makeRecordListDocument(targetBytes: Int = 1 << 20) -> [UInt8] {
    var w = JSONWriter(capacity: targetBytes + 4096)
    w.beginObject()
    w.key("page"); w.int(1)
    w.key("perPage"); w.int(500)
    w.key("items")
    w.beginArray()
    var i: Int64 = 0
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
        return seed
    }
    while w.bytes.count < targetBytes {
        w.beginObject()
        w.key("collectionId"); w.string("pbc_1125843985")
        w.key("collectionName"); w.string("posts")
        w.key("id"); w.string(String(next() % 1_000_000_000_000_000, radix: 36))
        w.key("created"); w.string("2024-05-\(10 + i % 18) 12:34:56.789Z")
        w.key("title"); w.string("Post number \(i): a title with some words")
        w.key("body"); w.string("Lorem ipsum dolor sit amet, \"consectetur\" adipiscing elit — Zoë's café ☕ \(i)\nSecond line\tindented <b>bold</b> & more text to make the body realistically long.")
        w.key("views"); w.int(Int64(next() % 100_000))
        w.key("rating"); w.double(Double(next() % 1000) / 100)
        w.key("published"); w.bool(i % 3 != 0)
        w.key("tags"); w.beginArray(); w.string("swift"); w.string("json"); w.string("tag\(i % 7)"); w.endArray()
        w.key("author"); w.beginObject(); w.key("id"); w.string("u\(i % 50)"); w.key("name"); w.string("Author \(i % 50)"); w.endObject()
        w.key("deleted"); w.null()
        w.endObject()
        i += 1
    }
    w.endArray()
    w.key("totalItems"); w.int(i)
    w.endObject()
    return w.bytes
}

@Test func throughput_ParseAndWriteOneMegabyte() throws {
    let document = makeRecordListDocument()
    let iterations = 20
    let clock = ContinuousClock()
    var parsed = JSON.null
    let parseTime = try clock.measure {
        for _ in 0..<iterations { parsed = try JSONParser.parse(document) }
    }
    var writer = JSONWriter(capacity: document.count)
    let writeTime = clock.measure {
        for _ in 0..<iterations {
            writer.reset()
            writer.value(parsed)
        }
    }
    #expect(writer.bytes == document)
    func megabytesPerSecond(_ d: Duration) -> Int {
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return Int(Double(document.count * iterations) / seconds / 1e6)
    }
    print("AerieJSON throughput on \(document.count) bytes: parse \(megabytesPerSecond(parseTime)) MB/s, write \(megabytesPerSecond(writeTime)) MB/s")
}
