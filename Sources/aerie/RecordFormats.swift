// Aerie — streaming NDJSON and CSV readers and writers for `aerie records`
// SPDX-License-Identifier: MIT
import AerieJSON
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file descriptor in 1 MiB chunks; memory stays bounded by the longest record.
struct ByteInput {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var isAtEnd = false
    /// The longest line or CSV record accepted.
    static let maxRecordBytes = 64 << 20

    init(fd: Int32) { self.fd = fd }

    /// Bytes handed out so far (for progress).
    var consumed: Int { discarded + position }
    private var discarded = 0

    /// Refills the buffer, keeping unread bytes; false at end of input.
    private mutating func fill() throws -> Bool {
        if isAtEnd { return false }
        if position > 0 { buffer.removeFirst(position); discarded += position; position = 0 }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw CommandFailure("cannot read the input: \(String(cString: strerror(errno)))") }
            if n == 0 { isAtEnd = true; return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    /// The next line without its `\n` (and `\r`), or nil at the end of input.
    mutating func line() throws -> ArraySlice<UInt8>? {
        var searchFrom = position
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 10) {
                var end = newline
                if end > position && buffer[end - 1] == 13 { end -= 1 }
                let line = buffer[position..<end]
                position = newline + 1
                return line
            }
            searchFrom = buffer.count
            let consumed = position
            guard buffer.count - position <= Self.maxRecordBytes else { throw CommandFailure("a line is longer than 64 MiB") }
            if try !fill() {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                position = buffer.count
                return line
            }
            searchFrom -= consumed
        }
    }

    /// The next byte, or nil at the end of input.
    mutating func byte() throws -> UInt8? {
        if position == buffer.count, try !fill() { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    /// Looks at the next byte without consuming it.
    mutating func peek() throws -> UInt8? {
        if position == buffer.count, try !fill() { return nil }
        return buffer[position]
    }
}

/// RFC 4180 CSV: fields separated by commas, optionally quoted with `"` (doubled inside),
/// records separated by CRLF or LF; a quoted field may span lines.
enum CSV {
    /// Reads the next record and the line it starts on; nil at the end of input.
    static func record(from input: inout ByteInput, line: inout Int) throws -> (line: Int, fields: [String])? {
        guard try input.peek() != nil else { return nil }
        let start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, wasQuoted = false, size = 0
        while let b = try input.byte() {
            size += 1
            if size > ByteInput.maxRecordBytes { throw CommandFailure("line \(start): a record is longer than 64 MiB") }
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if try input.peek() == UInt8(ascii: "\"") { _ = try input.byte(); field.append(b) } else { quoted = false }
                } else {
                    if b == 10 { line += 1 }
                    field.append(b)
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\"") where field.isEmpty && !wasQuoted:
                quoted = true; wasQuoted = true
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self)); field = []; wasQuoted = false
            case 13 where try input.peek() == 10:
                continue
            case 10:
                line += 1
                fields.append(String(decoding: field, as: UTF8.self))
                return (start, fields)
            default:
                field.append(b)
            }
        }
        if quoted { throw CommandFailure("line \(start): a quoted field is not closed") }
        fields.append(String(decoding: field, as: UTF8.self))
        return (start, fields)
    }

    /// One record as CSV text with its line break.
    static func line(_ fields: [String]) -> String {
        fields.map { f in
            let needsQuotes = f.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
                || f.hasPrefix(" ") || f.hasSuffix(" ")
            return needsQuotes ? "\"" + f.replacingAll("\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\r\n"
    }

    /// A value as a CSV cell: strings as they are, other values as JSON text, null as empty.
    static func cell(_ value: JSON) -> String {
        switch value {
        case .null: return ""
        case .string(let s): return s
        default: return value.jsonString
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
