// Aerie — tests that doubles are written exactly as Go's encoding/json writes float64
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

/// Outputs of Go's `json.Marshal(float64(x))` (Go 1.22).
let goFloat64Outputs: [(Double, String)] = [
    (0, "0"),
    (1, "1"),
    (-20, "-20"),
    (3.0, "3"),
    (0.1, "0.1"),
    (-1.5, "-1.5"),
    (0.1 + 0.2, "0.30000000000000004"),
    (3.141592653589793, "3.141592653589793"),
    (123456789.123, "123456789.123"),
    (1e20, "100000000000000000000"),
    (9.999999999999999e20, "999999999999999900000"),
    (1e21, "1e+21"),
    (-1.5e21, "-1.5e+21"),
    (1e100, "1e+100"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (12345678901234567168, "12345678901234567000"),
    (9007199254740992, "9007199254740992"),
    (1e-6, "0.000001"),
    (0.000001234, "0.000001234"),
    (0.000123, "0.000123"),
    (1e-5, "0.00001"),
    (9.99e-7, "9.99e-7"),
    (1e-7, "1e-7"),
    (1.5e-7, "1.5e-7"),
    (123e-9, "1.23e-7"),
    (2.5e-10, "2.5e-10"),
    (-2.5e-10, "-2.5e-10"),
    (1e-100, "1e-100"),
    (.leastNonzeroMagnitude, "5e-324"),
    (2.2250738585072014e-308, "2.2250738585072014e-308"),
    (100, "100"),
    (1234.5678, "1234.5678"),
    (0.5, "0.5"),
    (1e15, "1000000000000000"),
    (1.2345e16, "12345000000000000"),
]

@Test(arguments: goFloat64Outputs)
func double_MatchesGoEncodingJSON(_ value: Double, _ expected: String) throws {
    #expect(JSON.double(value).jsonString == expected)
    // The text must also read back as the same number.
    #expect(try JSONParser.parse(expected).doubleValue == value)
}

@Test func double_NegativeZeroIsWrittenAsZero() {
    #expect(JSON.double(-0.0).jsonString == "0")
}
