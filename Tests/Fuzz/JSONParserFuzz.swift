// fuzz-modules: AerieBase AerieJSON
// Aerie — libFuzzer target for the JSON parser and writer
// SPDX-License-Identifier: MIT
package import AerieJSON

/// libFuzzer's per-input hook; invariants are checked by `JSONFuzzEntry.run`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    JSONFuzzEntry.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
