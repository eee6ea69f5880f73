// Aerie — libFuzzer target for the HTTP/1.1 request parser
// SPDX-License-Identifier: MIT
// fuzz-modules: AerieBase AerieHTTP
// Build by hand: compile the listed modules' Sources with `-package-name aerie`, then
//   swiftc -sanitize=fuzzer,address -parse-as-library -package-name aerie -I <modules> HTTPParserFuzz.swift …
// Seeds: Tests/Fuzz/seeds/HTTPParserFuzz/ (also replayed by RequestParserTests.seedCorpusParsesConsistently).
import AerieHTTP

/// libFuzzer entry: parse whole, byte by byte and in input-derived splits; traps on any disagreement.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    HTTPParserFuzzEntry.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
