// Aerie — finding and loading the schema file for a command
// SPDX-License-Identifier: MIT
import AerieCore
import AerieTemplates
#if canImport(Glibc)
import Glibc
#endif

/// Loads `--schema FILE`, or `./schema.json`, or the embedded starter schema when neither exists.
enum SchemaSource {
    static let defaultPath = "schema.json"
    static let starterPath = "schemas/starter.json"

    /// The schema and a note on where it came from.
    static func load(explicitPath: String?) throws -> (Schema, String) {
        let path = explicitPath ?? defaultPath
        if let bytes = readFile(path) {
            do {
                return (try SchemaLoader.load(bytes, file: path), "schema \(path)")
            } catch {
                throw CommandFailure("the schema file is not valid:\n\(error)")
            }
        }
        if explicitPath != nil { throw CommandFailure("cannot read the schema file \(path): \(String(cString: strerror(errno)))") }
        guard let starter = Templates.bytes(at: starterPath) else { throw CommandFailure("the built-in starter schema is missing from this binary") }
        do {
            return (try SchemaLoader.load(starter, file: "<built-in starter schema>"), "the built-in starter schema (no ./schema.json found; pass --schema FILE to use your own)")
        } catch {
            throw CommandFailure("the built-in starter schema is invalid:\n\(error)")
        }
    }

    /// The whole file, or nil when it cannot be opened.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if out.count > 64 << 20 { return nil }
        }
        return out
    }
}
