// Aerie — float64 formatting that matches Go's encoding/json
// SPDX-License-Identifier: MIT

/// Formats finite doubles exactly as Go's `encoding/json` does for `float64`: the shortest digits
/// that round-trip, plain decimal ('f') when 1e-6 <= |x| < 1e21, otherwise exponent form ('e')
/// with a two-digit exponent minimum except that `e-07` is shortened to `e-7`.
enum GoFloatFormat {
    /// Appends the Go rendering of a finite `value`.
    static func append(_ value: Double, to out: inout [UInt8]) {
        let magnitude = value.magnitude
        if magnitude == 0 {
            // Go writes "-0" for negative zero; we write "0" so the output reparses as the same
            // `.int(0)` the parser gives for "-0" and serialization stays stable.
            out.append(UInt8(ascii: "0"))
            return
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        // Swift's description already yields the shortest round-tripping digits; only the layout differs.
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointPosition = 0  // value == 0.<digits> × 10^pointPosition
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        var seenDot = false
        var leadingZeros = true
        for c in magnitude.description.utf8 {
            if inExponent {
                if c == UInt8(ascii: "-") { exponentSign = -1 } else if c != UInt8(ascii: "+") { exponent = exponent * 10 + Int(c &- 0x30) }
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else if c == UInt8(ascii: ".") {
                seenDot = true
            } else if c == UInt8(ascii: "0") && leadingZeros {
                if seenDot { pointPosition -= 1 }
            } else {
                leadingZeros = false
                digits.append(c)
                if !seenDot { pointPosition += 1 }
            }
        }
        pointPosition += exponentSign * exponent
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }

        if magnitude < 1e-6 || magnitude >= 1e21 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let e = pointPosition - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let m = e.magnitude
            if e >= 0 && m < 10 { out.append(UInt8(ascii: "0")) }
            appendDecimal(m, to: &out)
        } else if pointPosition <= 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            out.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - digits.count))
        } else {
            out.append(contentsOf: digits[..<pointPosition])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[pointPosition...])
        }
    }

    private static func appendDecimal(_ value: UInt, to out: inout [UInt8]) {
        let start = out.count
        var m = value
        repeat {
            out.append(UInt8(truncatingIfNeeded: m % 10) &+ 0x30)
            m /= 10
        } while m > 0
        out[start...].reverse()
    }
}
