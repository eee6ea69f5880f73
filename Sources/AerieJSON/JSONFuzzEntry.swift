// Aerie — the entry point shared by the JSON fuzz target and its unit tests
// SPDX-License-Identifier: MIT

/// Runs one fuzz input through the parser and checks the invariants that must hold for any input.
package enum JSONFuzzEntry {
    /// Parses `bytes` strictly and leniently; every document that parses must survive
    /// serialize → strict reparse unchanged, and strict success must imply the same lenient result.
    package static func run(_ bytes: UnsafeRawBufferPointer) {
        let strict = Result { () throws(JSONError) in try JSONParser.parse(bytes, options: .default) }
        let lenient = Result { () throws(JSONError) in try JSONParser.parse(bytes, options: .lenient) }
        if case .success(let value) = strict {
            guard case .success(let other) = lenient, other == value else {
                preconditionFailure("strict parse succeeded but lenient parse differs")
            }
        }
        for case .success(let value) in [strict, lenient] {
            let text = value.serialized()
            switch Result(catching: { () throws(JSONError) in try JSONParser.parse(text) }) {
            case .success(let reparsed):
                precondition(reparsed == value, "round trip changed the value")
                precondition(reparsed.serialized() == text, "serialization is not stable")
            case .failure(let error):
                preconditionFailure("serialized output does not reparse: \(error)")
            }
        }
        if case .failure(let error) = strict {
            precondition(error.offset >= 0 && error.offset <= bytes.count, "error offset out of range")
        }
    }
}
