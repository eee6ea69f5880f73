// fuzz-modules: AerieBase AerieHTTP
// Aerie — libFuzzer target for the multipart/form-data parser
// SPDX-License-Identifier: MIT
// Input: the first byte seeds the split points, the rest is a body delimited by boundary `b0und`.
// Seeds: Tests/Fuzz/seeds/MultipartParserFuzz/ (also replayed by MultipartParserTests.seedCorpusParsesConsistently).
import AerieHTTP

/// libFuzzer entry: parse whole, byte by byte and in input-derived splits; traps on any disagreement
/// or when the caller would have to keep more than a header line or a delimiter.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    MultipartFuzzEntry.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
