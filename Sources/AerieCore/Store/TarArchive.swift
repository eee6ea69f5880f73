// Aerie — a minimal POSIX ustar writer and reader for backup archives
// SPDX-License-Identifier: MIT
import AerieBase
#if canImport(Glibc)
import Glibc
#endif

/// Why an archive could not be written or read.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Writes a POSIX ustar archive (the format `tar` reads by default): per file a 512-byte
/// header then the contents padded to 512 bytes; two zero blocks end the archive. Only
/// regular files, names up to 255 bytes (split into ustar's prefix and name fields).
/// Contents are streamed in 64 KiB chunks, so memory stays bounded whatever the file size.
struct TarWriter {
    let fd: Int32

    /// Appends the file at `source` under `name`.
    func add(file source: String, as name: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ArchiveError("cannot read \(source): \(FileTree.errorText())") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw ArchiveError("cannot stat \(source): \(FileTree.errorText())") }
        let size = Int(info.st_size)
        try writeAll(try Self.header(name: name, size: size, mtime: Int(info.st_mtim.tv_sec)))
        var chunk = [UInt8](repeating: 0, count: 65536)
        var remaining = size
        while remaining > 0 {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, min($0.count, remaining)) }
            if n < 0 && errno == EINTR { continue }
            // A file that shrank while being copied would corrupt the archive: fail instead.
            guard n > 0 else { throw ArchiveError("\(source) changed while it was being archived") }
            try writeAll(Array(chunk[0..<n]))
            remaining -= n
        }
        try pad(size)
    }

    /// Appends `bytes` as a file called `name`.
    func add(bytes: [UInt8], as name: String, mtime: Int) throws {
        try writeAll(try Self.header(name: name, size: bytes.count, mtime: mtime))
        try writeAll(bytes)
        try pad(bytes.count)
    }

    /// Writes the end-of-archive marker.
    func finish() throws { try writeAll([UInt8](repeating: 0, count: 1024)) }

    private func pad(_ size: Int) throws {
        let rest = (512 - size % 512) % 512
        if rest > 0 { try writeAll([UInt8](repeating: 0, count: rest)) }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        guard FileDescriptor.writeAll(fd, bytes) else { throw ArchiveError("cannot write the archive: \(FileTree.errorText())") }
    }

    /// A ustar header block.
    static func header(name: String, size: Int, mtime: Int) throws -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        let bytes = Array(name.utf8)
        var prefix: [UInt8] = [], base = bytes
        if bytes.count > 100 {
            // Split at a slash so that the prefix fits 155 bytes and the rest 100.
            guard let cut = bytes.indices.last(where: { bytes[$0] == UInt8(ascii: "/") && $0 <= 155 && bytes.count - $0 - 1 <= 100 }) else {
                throw ArchiveError("the path \(name) is too long for the archive")
            }
            prefix = Array(bytes[..<cut]); base = Array(bytes[(cut + 1)...])
        }
        func put(_ field: [UInt8], at offset: Int) { for (i, b) in field.enumerated() { h[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = Array(String(value, radix: 8).utf8)
            return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits
        }
        put(base, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(mtime, width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        h[156] = UInt8(ascii: "0")
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(prefix, at: 345)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [0], at: 148)
        return h
    }
}

/// Reads a ustar archive written by `TarWriter` (or `tar --format=ustar`), streaming each
/// regular file's contents to a sink.
struct TarReader {
    let fd: Int32

    /// Calls `file(name, size)` for each entry; the returned closure receives the contents in chunks.
    func forEach(_ file: (String, Int) throws -> ([UInt8]) throws -> Void) throws {
        var zeroBlocks = 0
        while true {
            let header = try readExactly(512)
            if header.allSatisfy({ $0 == 0 }) {
                zeroBlocks += 1
                if zeroBlocks == 2 { return }
                continue
            }
            zeroBlocks = 0
            var check = header
            for i in 148..<156 { check[i] = UInt8(ascii: " ") }
            guard let stored = Self.octal(header[148..<156]), stored == check.reduce(0, { $0 + Int($1) }) else {
                throw ArchiveError("the archive is damaged (bad header checksum)")
            }
            guard let size = Self.octal(header[124..<136]) else { throw ArchiveError("the archive is damaged (bad size field)") }
            let name = Self.string(header[345..<500]).map { $0.isEmpty ? "" : $0 + "/" }.map { $0 + (Self.string(header[0..<100]) ?? "") } ?? ""
            let type = header[156]
            let sink: ([UInt8]) throws -> Void = (type == UInt8(ascii: "0") || type == 0) ? try file(name, size) : { _ in }
            var remaining = size
            while remaining > 0 {
                let chunk = try readExactly(min(65536, remaining))
                try sink(chunk)
                remaining -= chunk.count
            }
            let rest = (512 - size % 512) % 512
            if rest > 0 { _ = try readExactly(rest) }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ArchiveError("the archive is truncated") }
            offset += n
        }
        return out
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String? {
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(validating: field[field.startIndex..<end], as: UTF8.self)
    }

    private static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0, seen = false
        for b in field {
            if b == 0 || b == UInt8(ascii: " ") { if seen { break } else { continue } }
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(b - UInt8(ascii: "0"))
            seen = true
        }
        return seen ? value : nil
    }
}
