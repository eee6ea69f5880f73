// Aerie — tests for JSONParser: RFC 8259 conformance, limits, errors, dialects and paths
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

/// Parses through all three overloads and requires identical outcomes.
func parseAllWays(_ bytes: [UInt8], options: JSONParser.Options = .default) -> Result<JSON, JSONError> {
    let fromArray = Result { () throws(JSONError) in try JSONParser.parse(bytes, options: options) }
    let fromRaw = bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try JSONParser.parse(raw, options: options) } }
    #expect(fromArray == fromRaw)
    // A String can only carry valid UTF-8; compare that overload whenever it applies.
    if let text = String(validating: bytes, as: UTF8.self) {
        let fromString = Result { () throws(JSONError) in try JSONParser.parse(text, options: options) }
        #expect(fromArray == fromString)
    }
    return fromArray
}

func parseAllWays(_ text: String, options: JSONParser.Options = .default) -> Result<JSON, JSONError> {
    parseAllWays(Array(text.utf8), options: options)
}

// MARK: - JSONTestSuite-style tables

/// `y_` cases from JSONTestSuite: every conforming parser must accept them.
let acceptedDocuments: [(String, String)] = [
    ("y_array_arraysWithSpaces", "[[]   ]"),
    ("y_array_empty", "[]"),
    ("y_array_empty-string", #"[""]"#),
    ("y_array_false", "[false]"),
    ("y_array_heterogeneous", #"[null, 1, "1", {}]"#),
    ("y_array_null", "[null]"),
    ("y_array_with_leading_space", " [1]"),
    ("y_array_with_trailing_space", "[2] "),
    ("y_array_with_several_null", "[1,null,null,null,2]"),
    ("y_array_with_1_and_newline", "[1\n]"),
    ("y_number", "[123e65]"),
    ("y_number_0e+1", "[0e+1]"),
    ("y_number_0e1", "[0e1]"),
    ("y_number_after_space", "[ 4]"),
    ("y_number_double_close_to_zero", "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]"),
    ("y_number_int_with_exp", "[20e1]"),
    ("y_number_minus_zero", "[-0]"),
    ("y_number_negative_int", "[-123]"),
    ("y_number_negative_one", "[-1]"),
    ("y_number_real_capital_e", "[1E22]"),
    ("y_number_real_capital_e_neg_exp", "[1E-2]"),
    ("y_number_real_fraction_exponent", "[123.456e78]"),
    ("y_number_real_neg_exp", "[1e-2]"),
    ("y_number_real_pos_exponent", "[1e+2]"),
    ("y_number_simple_real", "[123.456789]"),
    ("y_object_basic", #"{"asd":"sdf"}"#),
    ("y_object_duplicated_key", #"{"a":"b","a":"c"}"#),
    ("y_object_empty", "{}"),
    ("y_object_empty_key", #"{"":0}"#),
    ("y_object_escaped_null_in_key", #"{"foo\u0000bar": 42}"#),
    ("y_object_extreme_numbers", #"{ "min": -1.0e+28, "max": 1.0e+28 }"#),
    ("y_object_simple", #"{"a":[]}"#),
    ("y_object_with_newlines", "{\n\"a\": \"b\"\n}"),
    ("y_string_1_2_3_bytes_UTF-8_sequences", #"["\u0060\u012a\u12AB"]"#),
    ("y_string_accepted_surrogate_pair", #"["\uD801\udc37"]"#),
    ("y_string_allowed_escapes", #"["\"\\\/\b\f\n\r\t"]"#),
    ("y_string_backslash_and_u_escaped_zero", #"["\\u0000"]"#),
    ("y_string_comments", #"["a/*b*/c/*d//e"]"#),
    ("y_string_in_array_with_leading_space", #"[ "asd"]"#),
    ("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\u{FFFF}\"]"),
    ("y_string_unescaped_char_delete", "[\"\u{7F}\"]"),
    ("y_string_utf8", "[\"€𝄞\"]"),
    ("y_string_u+2028_line_sep", "[\"\u{2028}\"]"),
    ("y_structure_lonely_false", "false"),
    ("y_structure_lonely_int", "42"),
    ("y_structure_lonely_negative_real", "-0.1"),
    ("y_structure_lonely_null", "null"),
    ("y_structure_lonely_string", #""asd""#),
    ("y_structure_true_in_array", "[true]"),
    ("y_structure_whitespace_array", " [] "),
    ("y_structure_all_whitespace_kinds", " \t\r\n[ \t\r\n1 \t\r\n] \t\r\n"),
]

/// `n_` cases from JSONTestSuite (plus our range rule): every strict parser must reject them.
let rejectedDocuments: [(String, String)] = [
    ("n_array_1_true_without_comma", "[1 true]"),
    ("n_array_colon_instead_of_comma", #"["": 1]"#),
    ("n_array_comma_after_close", #"[""],"#),
    ("n_array_double_comma", "[1,,2]"),
    ("n_array_extra_close", #"["x"]]"#),
    ("n_array_extra_comma", #"["",]"#),
    ("n_array_incomplete", #"["x""#),
    ("n_array_just_comma", "[,]"),
    ("n_array_unclosed", #"[""#),
    ("n_number_++", "[++1234]"),
    ("n_number_+1", "[+1]"),
    ("n_number_-01", "[-01]"),
    ("n_number_.2e-3", "[.2e-3]"),
    ("n_number_0.e1", "[0.e1]"),
    ("n_number_1.0e", "[1.0e]"),
    ("n_number_1.0e+", "[1.0e+]"),
    ("n_number_2.e3", "[2.e3]"),
    ("n_number_NaN", "[NaN]"),
    ("n_number_Inf", "[Inf]"),
    ("n_number_hex_1_digit", "[0x1]"),
    ("n_number_minus_space_1", "[- 1]"),
    ("n_number_neg_int_starting_with_zero", "[-012]"),
    ("n_number_with_leading_zero", "[012]"),
    ("n_number_real_without_fractional_part", "[1.]"),
    ("n_number_overflows_to_infinity", "[1e400]"),
    ("n_object_bad_value", #"["x", truth]"#),
    ("n_object_comma_instead_of_colon", #"{"x", null}"#),
    ("n_object_missing_colon", #"{"a" b}"#),
    ("n_object_missing_value", #"{"a":"#),
    ("n_object_non_string_key", "{1:1}"),
    ("n_object_single_quote", "{'a':0}"),
    ("n_object_trailing_comma", #"{"id":0,}"#),
    ("n_object_unquoted_key", #"{a: "b"}"#),
    ("n_object_with_trailing_garbage", #"{"a":"b"}#"#),
    ("n_object_trailing_comment", #"{"a":"b"}/**/"#),
    ("n_string_1_surrogate_then_escape_u", #"["\uD800\u"]"#),
    ("n_string_escape_x", #"["\x00"]"#),
    ("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]"),
    ("n_string_invalid_backslash_esc", #"["\a"]"#),
    ("n_string_incomplete_escaped_character", #"["\u00A"]"#),
    ("n_string_single_quote", "['single quote']"),
    ("n_string_unescaped_newline", "[\"new\nline\"]"),
    ("n_string_unescaped_tab", "[\"\t\"]"),
    ("n_string_unescaped_nul", "[\"\u{0}\"]"),
    ("n_string_no_quotes_with_bad_escape", #"[\n]"#),
    ("n_string_start_escape_unclosed", #"["\"#),
    ("n_structure_unclosed_object", #"{"asd":"asd""#),
    ("n_structure_lone-open-bracket", "["),
    ("n_structure_whitespace_formfeed", "[\u{0C}]"),
    ("n_structure_no_data", ""),
    ("n_single_space", " "),
    ("n_structure_null-byte-outside-string", "[\u{0}]"),
    ("n_structure_UTF8_BOM_no_data", "\u{FEFF}"),
    ("n_structure_BOM_then_object", "\u{FEFF}{}"),
    ("n_incomplete_true", "[tru]"),
    ("n_incomplete_null", "[nul]"),
    ("n_structure_capitalized_True", "[True]"),
    ("n_multidigit_number_then_00", "123\u{0}"),
    ("n_structure_comma_instead_of_closing_brace", #"{"x": true,"#),
    ("n_structure_double_array", "[][]"),
    ("n_comment_in_strict_mode", "[1 // one\n]"),
]

/// Ill-formed UTF-8 inside strings (these cannot be written as Swift strings).
let rejectedUTF8: [(String, [UInt8], Int)] = [
    ("n_string_invalid_utf8_FF", [0x5B, 0x22, 0xFF, 0x22, 0x5D], 2),
    ("n_string_overlong_C0AF", [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], 2),
    ("n_string_overlong_E080AF", [0x22, 0xE0, 0x80, 0xAF, 0x22], 1),
    ("n_string_UTF8_surrogate_ED_A0_80", [0x22, 0xED, 0xA0, 0x80, 0x22], 1),
    ("n_string_truncated_E6_97", [0x22, 0x61, 0xE6, 0x97, 0x22], 2),
    ("n_string_lone_continuation_80", [0x22, 0x80, 0x22], 1),
    ("n_string_above_U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),
    ("n_string_F5_lead", [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
    ("n_string_invalid_after_escape", [0x22, 0x5C, 0x6E, 0xFF, 0x22], 3),
    ("n_string_invalid_in_key", [0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D], 2),
]

@Test(arguments: acceptedDocuments)
func accepts_JSONTestSuiteValidDocuments(_ name: String, _ text: String) {
    let result = parseAllWays(text)
    #expect(throws: Never.self, "\(name)") { try result.get() }
}

@Test(arguments: rejectedDocuments)
func rejects_JSONTestSuiteInvalidDocuments(_ name: String, _ text: String) {
    let result = parseAllWays(text)
    #expect(throws: JSONError.self, "\(name)") { try result.get() }
}

@Test(arguments: rejectedUTF8)
func rejectsIllFormedUTF8_WithOffsetOfBadByte(_ name: String, _ bytes: [UInt8], _ offset: Int) {
    let result = parseAllWays(bytes)
    guard case .failure(let error) = result else {
        Issue.record("\(name) was accepted")
        return
    }
    #expect(error == JSONError(offset: offset, reason: "invalid UTF-8"), "\(name)")
}

@Test func acceptsWellFormedMultibyteUTF8() throws {
    // 2-, 3- and 4-byte sequences at their boundaries: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF.
    let text = "\"\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}\""
    #expect(try JSONParser.parse(text) == .string("\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}"))
}

// MARK: - Values

@Test func parsesNestedDocument_ToExpectedValue() throws {
    let value = try JSONParser.parse(#" {"id":"abc","n":[1,-2.5,true,false,null],"o":{"x":{}}} "#)
    let expected: JSON = ["id": "abc", "n": [1, -2.5, true, false, .null], "o": ["x": .object([:])]]
    #expect(value == expected)
    #expect(value["o"]?["x"]?.objectValue?.isEmpty == true)
}

@Test func duplicateKeys_LastOneWinsInFirstPosition() throws {
    let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
    #expect(value.objectValue?.keys == ["a", "b"])
    #expect(value["a"] == 3)
}

@Test func duplicateKeys_LastOneWinsInLargeObjects() throws {
    var text = "{"
    for i in 0..<100 { text += "\"k\(i)\":\(i)," }
    text += "\"k7\":\"last\"}"
    let value = try JSONParser.parse(text)
    #expect(value.objectValue?.count == 100)
    #expect(value["k7"] == "last")
    #expect(value["k99"] == 99)
}

@Test(arguments: [
    (#""\u0041\n\t\"\\\/\b\f\r""#, "A\n\t\"\\/\u{8}\u{C}\r"),
    (#""\u00e9\u00E9""#, "éé"),
    (#""\uD83D\uDE00""#, "😀"),
    (#""a\uD83D\uDE00b""#, "a😀b"),
    (#""\ud800""#, "\u{FFFD}"),
    (#""\udc00""#, "\u{FFFD}"),
    (#""\ud800\u0041""#, "\u{FFFD}A"),
    (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"),
    (#""\ud800x""#, "\u{FFFD}x"),
    (#""\udc00\ud800""#, "\u{FFFD}\u{FFFD}"),
    (#""\u0000""#, "\u{0}"),
    (#""plain, then \" escaped""#, "plain, then \" escaped"),
    ("\"tab\\u0009 and é after\"", "tab\t and é after"),
])
func decodesEscapesAndSurrogates_LikeGo(_ text: String, _ expected: String) throws {
    #expect(try JSONParser.parse(text) == .string(expected))
}

@Test func longStrings_CrossTheWordAtATimeScanner() throws {
    for length in 0..<40 {
        let body = String(repeating: "a", count: length)
        #expect(try JSONParser.parse("\"\(body)\"") == .string(body))
        #expect(try JSONParser.parse("\"\(body)\\n\(body)\"") == .string(body + "\n" + body))
        #expect(try JSONParser.parse("\"\(body)é\(body)\"") == .string(body + "é" + body))
        #expect(throws: JSONError(offset: length + 1, reason: "control character 0x01 in string")) {
            try JSONParser.parse("\"\(body)\u{1}\(body)\"")
        }
    }
}

@Test func integers_StayExactInInt64() throws {
    func parsed(_ s: String) throws -> JSON { try JSONParser.parse(s) }
    guard case .int(Int64.max) = try parsed("9223372036854775807") else { Issue.record("max"); return }
    guard case .int(Int64.min) = try parsed("-9223372036854775808") else { Issue.record("min"); return }
    guard case .int(0) = try parsed("-0") else { Issue.record("-0"); return }
    guard case .int(-42) = try parsed("-42") else { Issue.record("-42"); return }
    guard case .double(let over) = try parsed("9223372036854775808") else { Issue.record("max+1"); return }
    #expect(over == 9_223_372_036_854_775_808.0)
    guard case .double(let under) = try parsed("-9223372036854775809") else { Issue.record("min-1"); return }
    #expect(under == -9_223_372_036_854_775_808.0)
    guard case .double(let huge) = try parsed("123456789012345678901234567890") else { Issue.record("huge"); return }
    #expect(huge == 1.2345678901234568e29)
    guard case .double(let fraction) = try parsed("1.0") else { Issue.record("1.0"); return }
    #expect(fraction == 1)
    guard case .double(let exp) = try parsed("1e2") else { Issue.record("1e2"); return }
    #expect(exp == 100)
}

@Test(arguments: [
    "0.1", "3.141592653589793", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "0.30000000000000004",
    "9007199254740993.0", "1e23", "8.98846567431158e307", "123.456e78", "1E22", "1e-2", "-0.000001", "4.9e-324",
    "2.4703282292062327e-324", "1.00000000000000011102230246251565404236316680908203125", "100000000000000000000000e-3",
    "0.0000000000000000000000000000000000000001", "12345678901234567890.5", "1e-400",
])
func doubles_AreCorrectlyRounded(_ lexeme: String) throws {
    let value = try JSONParser.parse(lexeme)
    #expect(value.doubleValue == Double(lexeme))
}

@Test func numbersOutOfDoubleRange_AreRejected() {
    #expect(throws: JSONError(offset: 1, reason: "number out of range")) { try JSONParser.parse("[1e309]") }
    #expect(throws: JSONError(offset: 0, reason: "number out of range")) { try JSONParser.parse("-1.8e308") }
    #expect(throws: JSONError(offset: 0, reason: "number out of range")) { try JSONParser.parse("1e99999999999999999999") }
}

// MARK: - Limits

@Test func depth_AtLimitParsesAndBeyondFails() throws {
    let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
    #expect(throws: Never.self) { try JSONParser.parse(ok) }
    let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
    #expect(throws: JSONError(offset: 128, reason: "nesting deeper than 128")) { try JSONParser.parse(deep) }
    let objects = String(repeating: #"{"a":"#, count: 129) + "1" + String(repeating: "}", count: 129)
    #expect(throws: JSONError(offset: 5 * 128, reason: "nesting deeper than 128")) { try JSONParser.parse(objects) }
}

@Test func depth_TenThousandOpenBracketsIsAnErrorNotACrash() {
    let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 10_000)
    #expect(throws: JSONError(offset: 128, reason: "nesting deeper than 128")) { try JSONParser.parse(hostile) }
    // Even with the limit lifted the explicit stack keeps the thread's stack out of it.
    let unlimited = JSONParser.Options(maxDepth: .max)
    #expect(throws: JSONError(offset: 10_000, reason: "unexpected end of input")) {
        try JSONParser.parse(hostile, options: unlimited)
    }
    let balanced = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: Never.self) { try JSONParser.parse(balanced, options: unlimited) }
}

@Test func size_LargerThanMaxBytesIsRejected() {
    let options = JSONParser.Options(maxBytes: 8)
    #expect(throws: Never.self) { try JSONParser.parse("[1,2,3] ", options: options) }
    #expect(throws: JSONError(offset: 8, reason: "document larger than 8 bytes")) { try JSONParser.parse("[1,2,3,4]", options: options) }
}

// MARK: - Errors

@Test(arguments: [
    ("[1,}", 3, "unexpected character '}'"),
    ("[1 2]", 3, "unexpected character '2'"),
    (#"{"a":1 "b":2}"#, 7, "unexpected character '\"'"),
    ("[1]x", 3, "unexpected character 'x'"),
    ("", 0, "unexpected end of input"),
    ("[1,", 3, "unexpected end of input"),
    (#""abc"#, 0, "unterminated string"),
    (#"["abc\"#, 1, "unterminated string"),
    ("[\"a\nb\"]", 3, "control character 0x0A in string"),
    ("[01]", 1, "leading zero in number"),
    ("-", 1, "unexpected end of input"),
    ("-a", 1, "invalid number"),
    ("1.x", 2, "expected digit after '.'"),
    ("1e+", 3, "expected digit in exponent"),
    ("[nulL]", 4, "invalid literal, expected 'null'"),
    ("[tr", 3, "unexpected end of input"),
    (#""\q""#, 1, "invalid escape"),
    (#""\u12G4""#, 1, #"invalid \u escape"#),
    ("[\u{1}]", 1, "unexpected byte 0x01"),
    ("\u{FEFF}1", 0, "unexpected byte 0xEF"),
] as [(String, Int, String)])
func errors_ReportReasonAndOffset(_ text: String, _ offset: Int, _ reason: String) {
    #expect(throws: JSONError(offset: offset, reason: reason)) { try JSONParser.parse(text) }
}

@Test func errorDescription_NamesReasonAndByte() {
    do {
        _ = try JSONParser.parse("[1,}")
        Issue.record("accepted")
    } catch {
        #expect(error.description == "unexpected character '}' at byte 3")
    }
}

// MARK: - Lenient dialect

@Test(arguments: [
    ("// leading\n[1, 2]", [1, 2]),
    ("[1, /* inline */ 2]", [1, 2]),
    ("[1, 2,]", [1, 2]),
    (#"{"a": 1, "b": [true,],}"#, ["a": 1, "b": [true]]),
    ("/* a */ {\n  \"k\": \"v\", // trailing\n} // end", ["k": "v"]),
    ("[1 /**/ , 2 // x\n ,]", [1, 2]),
    ("1//", 1),
    ("[\"//not a comment\" /* but this is */]", ["//not a comment"]),
] as [(String, JSON)])
func lenient_SkipsCommentsAndTrailingCommas(_ text: String, _ expected: JSON) {
    #expect(parseAllWays(text, options: .lenient) == .success(expected))
    #expect(throws: JSONError.self) { try JSONParser.parse(text) }
}

@Test(arguments: [
    ("[1,,]", 3, "unexpected character ','"),
    ("[,]", 1, "unexpected character ','"),
    ("{,}", 1, "unexpected character ','"),
    ("[1 /* open", 3, "unterminated comment"),
    ("[1 / 2]", 3, "unexpected character '/'"),
    ("/", 0, "unexpected character '/'"),
])
func lenient_StillRejectsMalformedInput(_ text: String, _ offset: Int, _ reason: String) {
    #expect(throws: JSONError(offset: offset, reason: reason)) { try JSONParser.parse(text, options: .lenient) }
}

@Test func options_DefaultsMatchTheDocumentedValues() {
    let d = JSONParser.Options.default
    #expect(d.maxDepth == 128 && d.maxBytes == 64 << 20 && !d.allowsComments && !d.allowsTrailingCommas)
    let l = JSONParser.Options.lenient
    #expect(l.allowsComments && l.allowsTrailingCommas && l.maxDepth == 128)
}

// MARK: - Paths

@Test func offsetOfPath_FindsValueStarts() {
    let doc = Array(#" {"a": [10, {"b": true}], "c": {"d": null}, "a2": "x"} "#.utf8)
    func at(_ path: [JSONPathComponent]) -> String? {
        guard let o = JSONParser.offset(of: path, in: doc) else { return nil }
        return String(decoding: doc[o..<min(o + 4, doc.count)], as: UTF8.self)
    }
    #expect(JSONParser.offset(of: [], in: doc) == 1)
    #expect(at([.key("a")]) == "[10,")
    #expect(at([.key("a"), .index(0)]) == "10, ")
    #expect(at([.key("a"), .index(1), .key("b")]) == "true")
    #expect(at([.key("c"), .key("d")]) == "null")
    #expect(at([.key("a2")]) == "\"x\"}")
    #expect(JSONParser.offset(of: [.key("missing")], in: doc) == nil)
    #expect(JSONParser.offset(of: [.key("a"), .index(2)], in: doc) == nil)
    #expect(JSONParser.offset(of: [.key("a"), .index(-1)], in: doc) == nil)
    #expect(JSONParser.offset(of: [.index(0)], in: doc) == nil)
    #expect(JSONParser.offset(of: [.key("a"), .key("b")], in: doc) == nil)
}

@Test func offsetOfPath_UsesLastDuplicateAndRejectsInvalidDocuments() {
    let doc = Array(#"{"k": 1, "k": 2}"#.utf8)
    #expect(JSONParser.offset(of: [.key("k")], in: doc) == 14)
    #expect(JSONParser.offset(of: [.key("k")], in: Array(#"{"k": 1,"#.utf8)) == nil)
    let lenient = Array("{/*x*/ \"k\": [1, 2,], }".utf8)
    #expect(JSONParser.offset(of: [.key("k"), .index(1)], in: lenient) == nil)
    #expect(JSONParser.offset(of: [.key("k"), .index(1)], in: lenient, options: .lenient) == 16)
    #expect(JSONParser.offset(of: [.key("k"), .index(2)], in: lenient, options: .lenient) == nil)
}

// MARK: - Buffer bounds

@Test func parse_NeverReadsPastTheBufferItIsGiven() throws {
    // Each document sits at every alignment inside a larger buffer whose following bytes would
    // complete it; the parser must treat the end of its slice as the end of input.
    let cases: [(String, String)] = [
        (#""abcdefghijklmnop"#, #"""#),
        (#"["abc", 12"#, "]"),
        ("123456789012", "3"),
        (#"{"key": tru"#, "e}"),
        (#""\u00"#, #"41""#),
    ]
    for (document, completion) in cases {
        for alignment in 0..<9 {
            let storage = Array(repeating: UInt8(ascii: " "), count: alignment) + Array(document.utf8) + Array(completion.utf8)
            let sliceResult = storage.withUnsafeBytes { raw in
                Result { () throws(JSONError) in
                    try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[alignment..<(alignment + document.utf8.count)]))
                }
            }
            #expect(sliceResult == parseAllWays(document), "\(document) at \(alignment)")
        }
    }
    #expect(try JSONParser.parse("123456789012") == 123_456_789_012)
}
