// Aerie — the public JSON parsing entry points
// SPDX-License-Identifier: MIT

/// Parses JSON text (RFC 8259) into `JSON` values.
///
/// Strict by default: no leading zeros, `+`, bare fractions, NaN, comments or trailing commas;
/// only SP, HT, LF and CR count as whitespace; any value may be the top level, and anything after
/// it is an error. Input is walked as bytes; nesting is handled with an explicit stack, so depth
/// is bounded by `Options.maxDepth` rather than by the thread's stack.
///
/// ```swift
/// let body = try JSONParser.parse(requestBytes)
/// let title = body["title"]?.stringValue
/// ```
public struct JSONParser {
    /// Limits and dialect switches for one parse.
    public struct Options: Sendable {
        /// Maximum nesting of arrays and objects.
        public var maxDepth: Int
        /// Maximum document size in bytes.
        public var maxBytes: Int
        /// Whether `//` line and `/* */` block comments are skipped like whitespace.
        public var allowsComments: Bool
        /// Whether one comma may follow the last element of an array or object.
        public var allowsTrailingCommas: Bool

        /// Creates options; the defaults are strict RFC 8259 with 128 levels and 64 MiB.
        public init(maxDepth: Int = 128, maxBytes: Int = 64 << 20, allowsComments: Bool = false, allowsTrailingCommas: Bool = false) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
            self.allowsComments = allowsComments
            self.allowsTrailingCommas = allowsTrailingCommas
        }

        /// Strict RFC 8259, for request bodies.
        public static let `default` = Options()
        /// Comments and trailing commas allowed, for config and schema files.
        public static let lenient = Options(allowsComments: true, allowsTrailingCommas: true)
    }

    /// Parses one JSON document from raw bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: Options = .default) throws(JSONError) -> JSON {
        var reader = JSONReader(bytes: bytes, options: options)
        return try reader.parseDocument()
    }

    /// Parses one JSON document from a byte array.
    public static func parse(_ bytes: [UInt8], options: Options = .default) throws(JSONError) -> JSON {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parse(raw, options: options) }
        }
        return try result.get()
    }

    /// Parses one JSON document from a string's UTF-8.
    public static func parse(_ text: String, options: Options = .default) throws(JSONError) -> JSON {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8), options: options) }
        }
        return try result.get()
    }

    /// Byte offset where the value at `path` starts, for error messages (nil if absent/unparseable).
    ///
    /// When a key is repeated, the last occurrence is the one found, matching what `parse` keeps.
    public static func offset(of path: [JSONPathComponent], in bytes: [UInt8], options: Options = .default) -> Int? {
        bytes.withUnsafeBytes { raw -> Int? in
            var reader = JSONReader(bytes: raw, options: options)
            guard (try? reader.parseDocument()) != nil else { return nil }
            reader.pos = 0
            return (try? reader.locate(path)) ?? nil
        }
    }
}

/// One step of a path into a JSON document.
public enum JSONPathComponent: Sendable, Hashable {
    /// An object member by key.
    case key(String)
    /// An array element by zero-based index.
    case index(Int)
}
