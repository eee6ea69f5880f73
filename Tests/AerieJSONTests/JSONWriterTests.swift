// Aerie — tests for JSONWriter: escaping, separators, scalars and raw insertion
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

func written(_ build: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    build(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
}

@Test(arguments: [
    ("plain", #""plain""#),
    ("quote\"backslash\\", #""quote\"backslash\\""#),
    ("\n\r\t\u{8}\u{C}", #""\n\r\t\b\f""#),
    ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
    ("<script>&</script>", #""\u003cscript\u003e\u0026\u003c/script\u003e""#),
    ("line\u{2028}para\u{2029}end", #""line\u2028para\u2029end""#),
    ("é€😀 \u{7F} /", "\"é€😀 \u{7F} /\""),
    ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""),
    ("", #""""#),
])
func string_EscapesLikeGoHTMLSafeDefault(_ input: String, _ expected: String) {
    #expect(written { $0.string(input) } == expected)
    #expect(written { $0.beginObject(); $0.key(input); $0.null(); $0.endObject() } == "{\(expected):null}")
    let raw = Array(input.utf8)
    #expect(written { w in raw.withUnsafeBytes { w.string(utf8: $0) } } == expected)
}

@Test(arguments: [
    ([0x61, 0xFF, 0x62] as [UInt8], #""a\ufffdb""#),
    ([0xC3], #""\ufffd""#),
    ([0xE2, 0x80], #""\ufffd\ufffd""#),
    ([0xED, 0xA0, 0x80], #""\ufffd\ufffd\ufffd""#),
    ([0xC0, 0xAF, 0x3C], #""\ufffd\ufffd\u003c""#),
    ([0xE2, 0x80, 0xA8, 0xC3, 0xA9], #""\u2028é""#),
])
func stringUTF8_ReplacesEachIllFormedByte(_ input: [UInt8], _ expected: String) {
    #expect(written { w in input.withUnsafeBytes { w.string(utf8: $0) } } == expected)
}

@Test func separators_AreManagedAutomatically() {
    let text = written { w in
        w.beginObject()
        w.key("a"); w.int(1)
        w.key("b"); w.beginArray(); w.bool(true); w.bool(false); w.null(); w.beginObject(); w.endObject(); w.beginArray(); w.endArray(); w.endArray()
        w.key("c"); w.beginObject(); w.key("d"); w.string("e"); w.endObject()
        w.key("f"); w.double(1.5)
        w.endObject()
    }
    #expect(text == #"{"a":1,"b":[true,false,null,{},[]],"c":{"d":"e"},"f":1.5}"#)
}

@Test func int_WritesInt64Extremes() {
    #expect(written { w in w.beginArray(); for v: Int64 in [0, 7, -7, 10, -100, .max, .min] { w.int(v) }; w.endArray() }
        == "[0,7,-7,10,-100,9223372036854775807,-9223372036854775808]")
}

@Test func double_NonFiniteBecomesNull() {
    #expect(written { w in w.beginArray(); w.double(.nan); w.double(.infinity); w.double(-.infinity); w.endArray() } == "[null,null,null]")
}

@Test func rawJSON_IsInsertedVerbatimAsOneValue() {
    let text = written { w in
        w.beginArray()
        w.int(1)
        w.rawJSON(Array(#"{"pre":"made"}"#.utf8))
        Array("[2, 3]".utf8).withUnsafeBytes { w.rawJSON($0) }
        w.endArray()
    }
    #expect(text == #"[1,{"pre":"made"},[2, 3]]"#)
}

@Test func reset_ClearsContentAndSeparatorState() {
    var w = JSONWriter(capacity: 1024)
    w.beginArray(); w.int(1)
    w.reset()
    #expect(w.bytes.isEmpty)
    #expect(w.bytes.capacity >= 1024)
    w.int(2)
    #expect(w.bytes == Array("2".utf8))
}

@Test func value_WritesObjectsInInsertionOrder() {
    let value: JSON = ["z": 1, "a": [true, .null, "s"], "m": ["n": 2.5]]
    #expect(written { $0.value(value) } == #"{"z":1,"a":[true,null,"s"],"m":{"n":2.5}}"#)
    #expect(value.jsonString == #"{"z":1,"a":[true,null,"s"],"m":{"n":2.5}}"#)
    #expect(value.description == value.jsonString)
    #expect(value.serialized() == Array(value.jsonString.utf8))
}

@Test func roundTrip_CanonicalDocumentsAreByteIdentical() throws {
    let canonical = [
        #"{"id":"r1","n":-12,"x":0.5,"big":1e+21,"tiny":1e-7,"s":"a\"b\\c\n\u0026é","l":[[],{},null,true,false]}"#,
        #"[9223372036854775807,-9223372036854775808,100000000000000000000]"#,
        #""\u003c\u2028\u0001""#,
    ]
    for text in canonical {
        let value = try JSONParser.parse(text)
        #expect(value.jsonString == text)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }
}

@Test func roundTrip_ParseWriteParseIsIdentity() throws {
    let text = """
        {"users": [{"name": "Zoë \\ud83d\\ude00", "age": 31, "score": 99.25, "tags": ["a", "b\\u0000"],
          "ratio": 1.0, "huge": 123456789012345678901234567890, "neg": -0.0, "e": 6.02214076e23,
          "small": 1.5e-10, "esc": "\\"<tag>&amp;\\u2028", "nested": {"deep": [[[{"k": null}]]]}}],
          "empty": {}, "list": [], "t": true, "f": false}
        """
    let first = try JSONParser.parse(text)
    let second = try JSONParser.parse(first.serialized())
    #expect(first == second)
    #expect(first.serialized() == second.serialized())
}
