// Aerie — the ustar writer and reader behind backups
// SPDX-License-Identifier: MIT
@testable import AerieCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BackupArchiveTests {
    func temporaryFile() -> (String, Int32) {
        var template = Array("/tmp/aerie-tar-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        return (String(cString: template.withUnsafeBufferPointer { $0.baseAddress! }), fd)
    }

    func entries(of path: String) throws -> [(String, [UInt8])] {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var out: [(String, [UInt8])] = []
        try TarReader(fd: fd).forEach { name, _ in
            out.append((name, []))
            let index = out.count - 1
            return { chunk in out[index].1 += chunk }
        }
        return out
    }

    @Test func writerAndReader_roundTrip_includingLongNamesAndEmptyFiles() throws {
        let (path, fd) = temporaryFile()
        defer { unlink(path) }
        let long = "storage/" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 60) + ".bin"
        let big = (0..<70_000).map { UInt8($0 % 251) }
        let tar = TarWriter(fd: fd)
        try tar.add(bytes: Array("hello".utf8), as: "a.txt", mtime: 0)
        try tar.add(bytes: [], as: "empty", mtime: 0)
        try tar.add(bytes: big, as: long, mtime: 0)
        try tar.finish()
        close(fd)
        let got = try entries(of: path)
        #expect(got.map(\.0) == ["a.txt", "empty", long])
        #expect(got[0].1 == Array("hello".utf8) && got[1].1.isEmpty && got[2].1 == big)
        var info = stat()
        stat(path, &info)
        #expect(info.st_size % 512 == 0)
    }

    @Test func header_rejectsNamesThatCannotBeSplit() {
        #expect(throws: ArchiveError.self) { try TarWriter.header(name: String(repeating: "x", count: 101), size: 0, mtime: 0) }
    }

    @Test func reader_detectsDamagedHeaders() throws {
        let (path, fd) = temporaryFile()
        defer { unlink(path) }
        var header = try TarWriter.header(name: "a", size: 0, mtime: 0)
        header[0] = UInt8(ascii: "b")  // the checksum no longer matches
        _ = header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(throws: ArchiveError.self) { _ = try entries(of: path) }
    }

    @Test(arguments: ["/etc/passwd", "../x", "storage/../../x", "a//b", "./data.db", ""])
    func restore_rejectsUnsafePaths(_ path: String) {
        #expect(Backup.safeRelativePath(path) == nil)
    }

    @Test func restore_acceptsPlainRelativePaths() {
        #expect(Backup.safeRelativePath("storage/pbc_1/r1/a.txt") == "storage/pbc_1/r1/a.txt")
    }
}
