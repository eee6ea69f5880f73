// Aerie — UTF-8 well-formedness checks for the JSON parser and writer
// SPDX-License-Identifier: MIT

/// UTF-8 validation by hand, so both directions can find the exact bad byte.
enum UTF8Validation {
    /// The length of the well-formed UTF-8 sequence starting at `i` (whose lead byte is >= 0x80),
    /// or 0 if it is ill-formed: overlong forms, surrogates and code points past U+10FFFF are
    /// rejected as Unicode §3.9 Table 3-7 requires.
    @inline(__always)
    static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
        let count = bytes.count
        let lead = bytes[i]
        @inline(__always) func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j < count && bytes[j] >= lo && bytes[j] <= hi
        }
        switch lead {
        case 0xC2...0xDF:
            return cont(i + 1) ? 2 : 0
        case 0xE0:
            return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED:
            return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0:
            return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4:
            return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default:
            return 0
        }
    }
}
