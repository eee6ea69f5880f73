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
        checkPaths(bytes, strict)
        checkStringWriter(bytes)
    }

    /// The first member or element of a parsed container must be locatable by path.
    private static func checkPaths(_ bytes: UnsafeRawBufferPointer, _ strict: Result<JSON, JSONError>) {
        guard case .success(let value) = strict else { return }
        let path: [JSONPathComponent]
        switch value {
        case .object(let object) where !object.isEmpty: path = [.key(object.keys[0])]
        case .array(let array) where !array.isEmpty: path = [.index(array.count - 1)]
        default: return
        }
        let array = [UInt8](bytes)
        guard let offset = JSONParser.offset(of: path, in: array) else { preconditionFailure("path to an existing value not found") }
        precondition(offset > 0 && offset < array.count, "path offset out of range")
    }

    /// Any bytes written with `string(utf8:)` must read back as one string, equal to the lenient
    /// UTF-8 decoding of the input whenever the input is well-formed.
    private static func checkStringWriter(_ bytes: UnsafeRawBufferPointer) {
        var writer = JSONWriter(capacity: bytes.count + 2)
        writer.string(utf8: bytes)
        guard case .success(.string(let decoded)) = Result(catching: { () throws(JSONError) in try JSONParser.parse(writer.bytes) }) else {
            preconditionFailure("string(utf8:) produced invalid JSON")
        }
        if let valid = String(validating: bytes, as: UTF8.self) {
            precondition(decoded == valid, "string(utf8:) changed well-formed text")
        }
    }
}
