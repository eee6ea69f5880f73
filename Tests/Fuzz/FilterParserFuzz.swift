// fuzz-modules: AerieBase AerieFilter
// Aerie — libFuzzer target for the filter parser, sort parser and SQL emitter
// SPDX-License-Identifier: MIT
package import AerieFilter

/// libFuzzer's per-input hook; invariants are checked by `FilterFuzzEntry.run`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FilterFuzzEntry.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
