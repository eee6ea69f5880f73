// Aerie — runs the fuzz target's invariants over the committed seed corpus and regressions
// SPDX-License-Identifier: MIT
import AerieJSON
import Foundation
import Testing

/// Tests/Fuzz/seeds/JSONParserFuzz, found relative to this file.
let fuzzSeedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/seeds/JSONParserFuzz")

@Test func fuzzEntry_HoldsOnEverySeed() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: fuzzSeedDirectory.path).sorted()
    #expect(names.count >= 5)
    for name in names {
        let bytes = try [UInt8](Data(contentsOf: fuzzSeedDirectory.appendingPathComponent(name)))
        bytes.withUnsafeBytes { JSONFuzzEntry.run($0) }
    }
}

/// Inputs the fuzzer found or that exercise its invariants directly.
@Test(arguments: [
    "-0.00//0",  // lenient -0.0 used to serialize as "-0" and reparse as .int(0), changing the text
    "-111111111111111111111115e-5",  // integral double above 2^53 prints as an integer lexeme
    "[1.0, 2e0, -0.0, 1e21, 1e-7]",
    "{\"a\":1,\"a\":{\"b\":[]}}",
    "\"\\ud800\\udc00\\udbff\\udfff\\ud800\"",
    "/*x*/[1,]",
    "",
    "[[[[[[[[[[",
])
func fuzzEntry_HoldsOnRegressionInputs(_ text: String) {
    Array(text.utf8).withUnsafeBytes { JSONFuzzEntry.run($0) }
}
