// Aerie — tests for Base64, Hex, CRC32 and Timestamp
// SPDX-License-Identifier: MIT
import Testing
import AerieBase

@Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
func base64RoundTrip_RFC4648Vectors(_ plain: String, _ encoded: String) {
    #expect(Base64.encode(Array(plain.utf8)) == encoded)
    #expect(Base64.decode(encoded) == Array(plain.utf8))
}

@Test func base64URL_UsesURLAlphabetWithoutPadding() {
    #expect(Base64.encode([0xfb, 0xff], url: true, padded: false) == "-_8")
    #expect(Base64.decode("-_8") == [0xfb, 0xff])
    #expect(Base64.decode("a") == nil)
    #expect(Base64.decode("ab=c") == nil)
    #expect(Base64.decode("a b") == nil)
}

@Test func hex_RoundTrips() {
    #expect(Hex.encode([0, 0xab, 0xff]) == "00abff")
    #expect(Hex.decode("00ABff") == [0, 0xab, 0xff])
    #expect(Hex.decode("0") == nil)
    #expect(Hex.decode("zz") == nil)
}

@Test func crc32_MatchesPocketBaseCollectionIDs() {
    // spec §1.3: base `posts` → pbc_1125843985, `_superusers` (auth) → pbc_3142635823
    #expect(CRC32.checksum("baseposts") == 1_125_843_985)
    #expect(CRC32.checksum("auth_superusers") == 3_142_635_823)
    #expect(CRC32.checksum("id") == 3_208_210_256)
}

@Test func timestamp_GoLayoutsForMessages() {
    let t = Timestamp(year: 2000, month: 1, day: 1)!
    #expect(t.goString == "2000-01-01 00:00:00 +0000 UTC")
    #expect(t.rfc3339 == "2000-01-01T00:00:00Z")
    let f = Timestamp(year: 2030, month: 12, day: 31, hour: 23, minute: 59, second: 59, millisecond: 500)!
    #expect(f.goString == "2030-12-31 23:59:59.5 +0000 UTC")
    #expect(f.rfc3339 == "2030-12-31T23:59:59.5Z")
}

@Test func timestamp_FormatsPocketBaseLayout() {
    #expect(Timestamp(milliseconds: 0).formatted == "1970-01-01 00:00:00.000Z")
    let t = Timestamp(year: 2026, month: 11, day: 22, hour: 10, minute: 12, second: 23, millisecond: 956)!
    #expect(t.formatted == "2026-11-22 10:12:23.956Z")
    #expect(Timestamp(milliseconds: -1).formatted == "1969-12-31 23:59:59.999Z")
}

@Test(arguments: [
    ("2026-11-22 10:12:23.956Z", "2026-11-22 10:12:23.956Z"),
    ("2024-05-06T07:08:09.123456+02:00", "2024-05-06 05:08:09.123Z"),
    ("2024-05-06", "2024-05-06 00:00:00.000Z"),
    ("2024-05-06 07:08:09 +0000 UTC", "2024-05-06 07:08:09.000Z"),
    ("Mon, 06 May 2024 07:08:09 GMT", "2024-05-06 07:08:09.000Z"),
    ("2024-05-06T07:08:09Z", "2024-05-06 07:08:09.000Z"),
    ("2024-05-06T07:08:09.5-01:30", "2024-05-06 08:38:09.500Z"),
    ("2024-02-29 00:00:00", "2024-02-29 00:00:00.000Z"),
])
func timestamp_ParsesLenientInput(_ input: String, _ expected: String) {
    #expect(Timestamp.parse(input)?.formatted == expected)
}

@Test(arguments: ["", "abc", "2024-13-01", "2023-02-29", "2024-05-06X", "2024-5-6", "12345", "2024-05-06 07:08", "2024-05-06t07:08:09z"])
func timestamp_RejectsGarbage(_ input: String) {
    #expect(Timestamp.parse(input) == nil)
}

@Test(arguments: [("  a b \t", " \t", "a b"), ("\r\n x \r\n", " \t\r\n", "x"), ("'`name`'", "'\"` ", "name"), ("", " ", ""), ("   ", " ", ""), (" é ", " ", "é")])
func trimmingASCII_StripsOnlyTheGivenBytesAtBothEnds(_ input: String, _ set: String, _ expected: String) {
    // The set is a StaticString in the API; the table passes the same characters through a switch.
    let trimmed: String
    switch set {
    case " \t": trimmed = input.trimmingASCII(" \t")
    case " \t\r\n": trimmed = input.trimmingASCII()
    case "'\"` ": trimmed = input.trimmingASCII("'\"` ")
    default: trimmed = input.trimmingASCII(" ")
    }
    #expect(trimmed == expected)
}
