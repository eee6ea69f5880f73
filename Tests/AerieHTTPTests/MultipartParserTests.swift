// Aerie — MultipartParser, MultipartCollector, ContentSniffer and FileName tests
// SPDX-License-Identifier: MIT
import AerieBase
import AerieHTTP
import Foundation
import Testing

/// Parses `bytes` whole, byte by byte and in seeded random splits, requires identical transcripts
/// and a bounded retained tail, and returns the whole-input outcome.
func verifyMultipart(_ bytes: [UInt8], boundary: [UInt8] = MultipartFuzzEntry.fuzzBoundary,
                     limits: MultipartParser.Limits = MultipartFuzzEntry.fuzzLimits,
                     sourceLocation: SourceLocation = #_sourceLocation) -> MultipartFuzzEntry.Outcome {
    bytes.withUnsafeBytes { raw in
        let whole = MultipartFuzzEntry.drive(raw, chunkEnds: [], boundary: boundary, limits: limits)
        let byteByByte = MultipartFuzzEntry.drive(raw, chunkEnds: Array(0..<bytes.count), boundary: boundary, limits: limits)
        #expect(byteByByte.transcript == whole.transcript, "byte by byte", sourceLocation: sourceLocation)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<8 {
            let splits = HTTPParserFuzzEntry.randomSplits(count: bytes.count, using: &rng)
            let other = MultipartFuzzEntry.drive(raw, chunkEnds: splits, boundary: boundary, limits: limits)
            #expect(other.transcript == whole.transcript, "splits \(splits)", sourceLocation: sourceLocation)
            #expect(other.maxRetained <= MultipartFuzzEntry.retentionBound(limits), sourceLocation: sourceLocation)
        }
        #expect(byteByByte.maxRetained <= MultipartFuzzEntry.retentionBound(limits), sourceLocation: sourceLocation)
        return whole
    }
}

func verifyMultipart(_ text: String, limits: MultipartParser.Limits = MultipartFuzzEntry.fuzzLimits,
                     sourceLocation: SourceLocation = #_sourceLocation) -> MultipartFuzzEntry.Outcome {
    verifyMultipart(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

/// A text part with CRLF framing under boundary `b0und`.
private func field(_ name: String, _ value: String) -> String {
    "--b0und\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
}

private let close = "--b0und--\r\n"

/// A fresh directory for one test's temporary files.
private func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aerie-multipart-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url.path
}

private func contents(of directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
}

@Suite struct MultipartParserTests {
    // MARK: - Framing

    @Test func parsesSingleTextField() {
        let o = verifyMultipart(field("title", "Hello") + close)
        #expect(o.error == nil)
        #expect(o.sawEnd)
        #expect(o.parts.count == 1)
        #expect(o.parts[0].head.name == "title")
        #expect(o.parts[0].head.filename == nil)
        #expect(o.parts[0].head.isFile == false)
        #expect(o.parts[0].body == Array("Hello".utf8))
        #expect(o.parts[0].isComplete)
    }

    @Test func parsesSeveralFieldsAndRepeatedKeysInOrder() {
        let o = verifyMultipart(field("a", "1") + field("tags", "x") + field("tags", "y") + field("b", "two\r\nlines") + close)
        #expect(o.error == nil)
        #expect(o.parts.map(\.head.name) == ["a", "tags", "tags", "b"])
        #expect(o.parts.map { String(decoding: $0.body, as: UTF8.self) } == ["1", "x", "y", "two\r\nlines"])
    }

    @Test func binaryFileWithCRLFAndFakeBoundariesIsPassedThrough() {
        var content: [UInt8] = [0, 13, 10, 13, 13, 10, 255]
        content += Array("\r\n--b0undX\r\n--b0un\r\n--b0und-x\n--b0und\r\n-\r\n--b0un".utf8)
        content += [13, 10, 45, 45, 98, 48]  // "\r\n--b0" then more data
        content += Array("--b0und--\r".utf8) + [13]
        var body = Array("--b0und\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += content + Array("\r\n".utf8) + Array(close.utf8)
        let o = verifyMultipart(body)
        #expect(o.error == nil)
        #expect(o.parts.count == 1)
        #expect(o.parts[0].head.filename == "x.bin")
        #expect(o.parts[0].head.contentType == "application/octet-stream")
        #expect(o.parts[0].head.isFile)
        #expect(o.parts[0].body == content)
    }

    @Test func emptyPartAndEmptyFile() {
        let o = verifyMultipart(field("empty", "")
            + "--b0und\r\nContent-Disposition: form-data; name=\"f\"; filename=\"e.txt\"\r\n\r\n\r\n" + close)
        #expect(o.error == nil)
        #expect(o.parts.count == 2)
        #expect(o.parts[0].body.isEmpty && o.parts[0].isComplete)
        #expect(o.parts[1].head.isFile && o.parts[1].body.isEmpty && o.parts[1].isComplete)
    }

    @Test func preambleAndEpilogueAreIgnored() {
        let o = verifyMultipart("This is the preamble.\r\n--b0undnot\r\n--b0und x\r\n\r\n" + field("a", "1") + "--b0und--\r\nepilogue --b0und\r\n garbage")
        #expect(o.error == nil)
        #expect(o.sawEnd)
        #expect(o.parts.count == 1)
        #expect(o.parts[0].body == Array("1".utf8))
    }

    @Test func closeDelimiterWithoutTrailingCRLFAndEmptyForm() {
        #expect(verifyMultipart(field("a", "1") + "--b0und--").sawEnd)
        let empty = verifyMultipart("--b0und--\r\n")
        #expect(empty.error == nil && empty.sawEnd && empty.parts.isEmpty)
    }

    @Test func transportPaddingAfterBoundaryIsAllowed() {
        let o = verifyMultipart("--b0und \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0und  \r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--b0und--  \r\n")
        #expect(o.error == nil)
        #expect(o.parts.map(\.head.name) == ["a", "b"])
    }

    @Test func missingCloseDelimiterIsTruncated() {
        let noClose = verifyMultipart(field("a", "1"))
        #expect(noClose.error == .truncatedBody)
        #expect(noClose.parts.count == 1 && !noClose.parts[0].isComplete)
        #expect(verifyMultipart("--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n").error == .truncatedBody)
        #expect(verifyMultipart("").error == .truncatedBody)
        #expect(verifyMultipart("no boundary here at all\r\n").error == .truncatedBody)
    }

    /// Go's mime/multipart switches to bare-LF mode when the first delimiter line ends in LF; so do we.
    @Test func acceptsLFOnlyLineEndingsLikeGo() {
        let o = verifyMultipart("--b0und\nContent-Disposition: form-data; name=\"a\"\n\nline1\r\nline2\n--b0und\nContent-Disposition: form-data; name=\"b\"\n\n2\n--b0und--\n")
        #expect(o.error == nil)
        #expect(o.parts.map(\.head.name) == ["a", "b"])
        #expect(o.parts[0].body == Array("line1\r\nline2".utf8))
        // Once in CRLF mode, a later delimiter line ending in bare LF is malformed (Go: "unexpected line").
        #expect(verifyMultipart(field("a", "1") + "--b0und\nContent-Disposition: form-data; name=\"b\"\n\n2\r\n" + close).error == .malformedBoundaryLine)
    }

    @Test func partHeadersAreCaseInsensitiveAndUnfolded() {
        let o = verifyMultipart("--b0und\r\ncontent-DISPOSITION: Form-Data; NAME=\"a\";\r\n\tfilename=\"b.txt\"\r\nCONTENT-TYPE:text/plain\r\nX-Extra: 1\r\n\r\nv\r\n" + close)
        #expect(o.error == nil)
        #expect(o.parts.first?.head.name == "a")
        #expect(o.parts.first?.head.filename == "b.txt")
        #expect(o.parts.first?.head.contentType == "text/plain")
        #expect(o.parts.first?.head.header("x-extra") == "1")
    }

    // MARK: - Content-Disposition

    static let dispositions: [(String, String?, String??, MultipartError?)] = [
        // (Content-Disposition value, expected name, expected filename, expected error)
        (#"form-data; name="a""#, "a", .some(nil), nil),
        (#"form-data; name=a; filename=b.png"#, "a", "b.png", nil),
        (#"form-data; name="a"; filename="q\"uote\\d.txt""#, "a", #"q"uote\d.txt"#, nil),
        (#"form-data; name="a"; filename="C:\dir\file.txt""#, "a", #"C:\dir\file.txt"#, nil),  // MSIE: literal backslashes
        (#"form-data; name="a"; filename="/etc/../passwd""#, "a", "passwd", nil),
        (#"form-data; name="a"; filename="dir/""#, "a", "dir", nil),
        (#"form-data; name="a"; filename="""#, "a", "", nil),
        (#"form-data; name="a"; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#, "a", "€ rates.txt", nil),
        (#"form-data; filename*=utf-8'en'na%C3%AFve.txt; name="a""#, "a", "naïve.txt", nil),
        (#"form-data; name="a"; filename="plain.txt"; filename*=ISO-8859-1''x.txt"#, "a", "plain.txt", nil),
        (#"form-data; name="a"; filename="plain.txt"; filename*=UTF-8''bad%zz"#, "a", "plain.txt", nil),
        (#"form-data; name="日本""#, "日本", .some(nil), nil),
        (#"form-data; name*=UTF-8''%E6%97%A5"#, "日", .some(nil), nil),
        (#"form-data; filename="x.txt""#, nil, nil, .missingName),
        (#"form-data; name="""#, nil, nil, .missingName),
        (#"attachment; name="a""#, nil, nil, .invalidContentDisposition),
        (#"form-data; name="a"; name="b""#, nil, nil, .invalidContentDisposition),
        (#"form-data; name="a"#, nil, nil, .invalidContentDisposition),
        (#"form-data; name"#, nil, nil, .invalidContentDisposition),
        (#"form-data name="a""#, nil, nil, .invalidContentDisposition),
        (#""#, nil, nil, .invalidContentDisposition),
    ]

    @Test(arguments: 0..<dispositions.count)
    func contentDisposition(_ index: Int) {
        let (value, name, filename, error) = Self.dispositions[index]
        let o = verifyMultipart("--b0und\r\nContent-Disposition: \(value)\r\n\r\nv\r\n" + close)
        #expect(o.error == error, "\(value)")
        if let name {
            #expect(o.parts.first?.head.name == name, "\(value)")
            #expect(o.parts.first?.head.filename == filename, "\(value)")
        } else {
            #expect(o.parts.isEmpty, "\(value)")
        }
    }

    @Test func missingContentDispositionIsRejected() {
        #expect(verifyMultipart("--b0und\r\nContent-Type: text/plain\r\n\r\nv\r\n" + close).error == .invalidContentDisposition)
    }

    // MARK: - Content-Type and boundary

    static let contentTypes: [(String, String?, MultipartError?)] = [
        ("multipart/form-data; boundary=AaB03x", "AaB03x", nil),
        ("Multipart/Form-Data; BOUNDARY=AaB03x", "AaB03x", nil),
        (#"multipart/form-data; boundary="quoted boundary:with=tspecials?""#, "quoted boundary:with=tspecials?", nil),
        ("multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW", nil),
        ("multipart/form-data ; boundary = abc ;", "abc", nil),
        ("multipart/form-data; boundary=" + String(repeating: "x", count: 70), String(repeating: "x", count: 70), nil),
        ("multipart/form-data; boundary=" + String(repeating: "x", count: 71), nil, .invalidBoundary),
        (#"multipart/form-data; boundary="""#, nil, .invalidBoundary),
        (#"multipart/form-data; boundary="ends with space ""#, nil, .invalidBoundary),
        (#"multipart/form-data; boundary="bad*char""#, nil, .invalidBoundary),
        ("multipart/form-data", nil, .missingBoundary),
        ("multipart/form-data; charset=utf-8", nil, .missingBoundary),
        ("multipart/mixed; boundary=abc", nil, .notFormData),
        ("application/json", nil, .notFormData),
        ("multipart/form-data; boundary=a; boundary=b", nil, .notFormData),
        ("", nil, .notFormData),
    ]

    @Test(arguments: 0..<contentTypes.count)
    func boundaryFromContentType(_ index: Int) {
        let (value, expected, expectedError) = Self.contentTypes[index]
        do throws(MultipartError) {
            let boundary = try MultipartParser.boundary(fromContentType: value)
            #expect(boundary == expected.map { Array($0.utf8) }, "\(value)")
            #expect(expectedError == nil, "\(value)")
        } catch {
            #expect(error == expectedError, "\(value)")
            #expect(expected == nil, "\(value)")
        }
    }

    @Test func quotedBoundaryWithSpacesFramesTheBody() throws {
        let boundary = try MultipartParser.boundary(fromContentType: #"multipart/form-data; boundary="a b:c""#)
        let body = "--a b:c\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b:c--"
        let o = verifyMultipart(Array(body.utf8), boundary: boundary)
        #expect(o.error == nil && o.parts.first?.body == Array("1".utf8))
    }

    // MARK: - Limits and hostile input

    @Test func tooManyPartsIsRejected() {
        let body = (0..<9).map { field("f\($0)", "v") }.joined() + close
        let o = verifyMultipart(body)
        #expect(o.error == .tooManyParts)
        #expect(o.parts.count == 8)
        #expect(verifyMultipart((0..<8).map { field("f\($0)", "v") }.joined() + close).error == nil)
    }

    @Test func partHeadersTooLargeAreRejected() {
        let o = verifyMultipart("--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + String(repeating: "p", count: 300) + "\r\n\r\nv\r\n" + close)
        #expect(o.error == .headersTooLarge)
        // Many small lines add up too.
        #expect(verifyMultipart("--b0und\r\n" + String(repeating: "X: 1\r\n", count: 60) + "\r\n" + close).error == .headersTooLarge)
    }

    @Test func fieldFileAndBodyLimitsHandOutExactlyTheAllowance() {
        let bigField = verifyMultipart(field("a", String(repeating: "x", count: 513)) + close)
        #expect(bigField.error == .fieldTooLarge)
        #expect(bigField.parts.first?.body.count == 512)
        #expect(verifyMultipart(field("a", String(repeating: "x", count: 512)) + close).error == nil)
        let file = "--b0und\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n"
        let bigFile = verifyMultipart(file + String(repeating: "y", count: 1025) + "\r\n" + close)
        #expect(bigFile.error == .fileTooLarge)
        #expect(bigFile.parts.first?.body.count == 1024)
        let total = verifyMultipart((0..<6).map { field("f\($0)", String(repeating: "z", count: 500)) }.joined() + close
            + String(repeating: "epilogue", count: 1000))
        #expect(total.error == nil)  // 3.4 KiB of parts; the epilogue is not counted
        let over = verifyMultipart(String(repeating: "preamble line\r\n", count: 300) + field("a", "1") + close)
        #expect(over.error == .bodyTooLarge)
    }

    static let hostile: [(String, String, MultipartError)] = [
        ("NUL in header", "--b0und\r\nContent-Disposition: form-data; name=\"a\u{0}\"\r\n\r\nv\r\n", .invalidPartHeader),
        ("bare CR in header", "--b0und\r\nContent-Disposition: form-data;\rname=\"a\"\r\n\r\nv\r\n", .invalidPartHeader),
        ("fold first", "--b0und\r\n continued\r\n\r\nv\r\n", .invalidPartHeader),
        ("no colon", "--b0und\r\nContent-Disposition form-data\r\n\r\nv\r\n", .invalidPartHeader),
        ("space in name", "--b0und\r\nContent Disposition: form-data; name=a\r\n\r\nv\r\n", .invalidPartHeader),
        ("empty name", "--b0und\r\n: x\r\n\r\nv\r\n", .invalidPartHeader),
        ("junk after boundary", "--b0und\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b0und junk\r\n", .malformedBoundaryLine),
        ("bare CR after padding", "--b0und\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b0und \rx", .malformedBoundaryLine),
        ("padding too long", "--b0und\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b0und" + String(repeating: " ", count: 300) + "\r\n", .malformedBoundaryLine),
    ]

    @Test(arguments: 0..<hostile.count)
    func rejectsHostileInput(_ index: Int) {
        let (name, text, expected) = Self.hostile[index]
        #expect(verifyMultipart(text + close).error == expected, "\(name)")
    }

    @Test func errorsAreSticky() throws {
        var parser = try MultipartParser(boundary: Array("b".utf8), limits: .init())
        let bad = Array("--b\r\n: x\r\n\r\n".utf8)
        #expect(throws: MultipartError.invalidPartHeader) {
            try bad.withUnsafeBytes { raw in
                var offset = 0
                while true {
                    let (event, used) = try parser.next(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                    offset += used
                    if event == nil { break }
                }
            }
        }
        #expect(throws: MultipartError.invalidPartHeader) { try Array("x".utf8).withUnsafeBytes { _ = try parser.next($0) } }
        #expect(throws: MultipartError.invalidPartHeader) { try parser.finish() }
    }

    @Test func invalidBoundaryIsRefusedAtInit() {
        #expect(throws: MultipartError.invalidBoundary) { _ = try MultipartParser(boundary: [], limits: .init()) }
        #expect(throws: MultipartError.invalidBoundary) { _ = try MultipartParser(boundary: Array("a\r\nb".utf8), limits: .init()) }
    }

    @Test func seedCorpusParsesConsistently() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/seeds/MultipartParserFuzz")
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        #expect(files.count >= 15)
        for file in files {
            let data = try [UInt8](Data(contentsOf: file))
            data.withUnsafeBytes { MultipartFuzzEntry.run($0) }
        }
    }

    // MARK: - Collector

    private static func fileBody(_ parts: [(name: String, filename: String?, content: [UInt8])], boundary: String = "b0und") -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: image/png" }
            body += Array((head + "\r\n\r\n").utf8) + part.content + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    @Test func collectorKeepsFieldsAndStreamsFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100) + Array("\r\n--b0un".utf8)
        let body = Self.fileBody([("title", nil, Array("Hi".utf8)), ("tags", nil, Array("a".utf8)), ("tags", nil, Array("b".utf8)),
                                  ("avatar+", "me.png", png), ("docs", "empty.txt", [])])
        for chunk in [1, 7, 64, body.count] {
            let collector = try MultipartCollector(boundary: Array("b0und".utf8), limits: .init(), temporaryDirectory: dir)
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + chunk)
                try body[offset..<end].withUnsafeBytes { try collector.consume($0) }
                offset = end
            }
            let form = try collector.finish()
            #expect(form.fields.map(\.name) == ["title", "tags", "tags"])
            #expect(form.values("tags") == ["a", "b"])
            #expect(form.files.count == 2)
            let avatar = form.files[0]
            #expect(avatar.fieldName == "avatar+" && avatar.originalName == "me.png" && avatar.contentType == "image/png")
            #expect(avatar.size == png.count && avatar.sniffedType == "image/png")
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: avatar.temporaryPath))) == png)
            let attributes = try FileManager.default.attributesOfItem(atPath: avatar.temporaryPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(form.files[1].size == 0 && form.files[1].sniffedType.hasPrefix("text/plain"))
            #expect(try contents(of: dir).count == 2)
            form.removeTemporaryFiles()
            #expect(try contents(of: dir).isEmpty)
        }
    }

    @Test func fileOverLimitFailsAndRemovesEveryTemporaryFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var limits = MultipartParser.Limits()
        limits.maxFileBytes = 1000
        let body = Self.fileBody([("a", "ok.bin", Array(repeating: 1, count: 1000)), ("b", "big.bin", Array(repeating: 2, count: 1001))])
        let collector = try MultipartCollector(boundary: Array("b0und".utf8), limits: limits, temporaryDirectory: dir)
        #expect(throws: MultipartError.fileTooLarge) { try body.withUnsafeBytes { try collector.consume($0) } }
        #expect(try contents(of: dir).isEmpty)
        #expect(throws: MultipartError.fileTooLarge) { _ = try collector.finish() }
    }

    @Test func truncatedBodyAndDroppedCollectorsRemoveTemporaryFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var body = Self.fileBody([("a", "x.bin", Array(repeating: 1, count: 5000))])
        body.removeLast(12)
        let collector = try MultipartCollector(boundary: Array("b0und".utf8), limits: .init(), temporaryDirectory: dir)
        try body.withUnsafeBytes { try collector.consume($0) }
        #expect(try contents(of: dir).count == 1)
        #expect(throws: MultipartError.truncatedBody) { _ = try collector.finish() }
        #expect(try contents(of: dir).isEmpty)
        do {
            let dropped = try MultipartCollector(boundary: Array("b0und".utf8), limits: .init(), temporaryDirectory: dir)
            try body.withUnsafeBytes { try dropped.consume($0) }
            #expect(try contents(of: dir).count == 1)
        }
        #expect(try contents(of: dir).isEmpty)
    }

    @Test func missingTemporaryDirectoryIsAStorageError() throws {
        let collector = try MultipartCollector(boundary: Array("b0und".utf8), limits: .init(), temporaryDirectory: "/nonexistent-aerie-dir")
        let body = Self.fileBody([("a", "x.bin", [1, 2, 3])])
        #expect(throws: MultipartError(.storage, "cannot create temporary file")) { try body.withUnsafeBytes { try collector.consume($0) } }
    }

    /// A 20 MiB file streams to disk while the collector's own buffers stay under 128 KiB, whether the
    /// body arrives in socket-sized reads, odd-sized reads or as one buffer.
    @Test(arguments: [65536, 7919, 0])
    func twentyMiBFileStreamsWithBoundedMemory(_ chunkSize: Int) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let size = 20 << 20
        var content = [UInt8](repeating: 0, count: size)
        var rng = SplitMix64(seed: 2026)
        content.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count { words[i] = rng.next() }
        }
        // Plant near-delimiters in the data.
        for (i, marker) in ["\r\n--b0un", "\r\n--b0undX", "\r\n--b0und-"].enumerated() {
            let at = (i + 1) * (size / 4)
            content.replaceSubrange(at..<(at + marker.utf8.count), with: Array(marker.utf8))
        }
        var limits = MultipartParser.Limits()
        limits.maxFileBytes = 64 << 20
        limits.maxTotalBytes = 64 << 20
        let body = Self.fileBody([("title", nil, Array("big".utf8)), ("file", "big.bin", content)])
        let collector = try MultipartCollector(boundary: Array("b0und".utf8), limits: limits, temporaryDirectory: dir)
        let step = chunkSize == 0 ? body.count : chunkSize
        try body.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + step)
                try collector.consume(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
            }
        }
        let form = try collector.finish()
        #expect(collector.peakBufferedBytes <= 128 << 10, "peak \(collector.peakBufferedBytes)")
        #expect(form.files.count == 1)
        let file = try #require(form.files.first)
        #expect(file.size == size)
        #expect(file.sniffedType == "application/octet-stream")
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.temporaryPath)))
        #expect(written == content)
        form.removeTemporaryFiles()
    }

    // MARK: - Sniffing

    static let sniffCases: [([UInt8], String)] = [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "image/png"),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8), "image/jpeg"),
        (Array("GIF89a".utf8) + [1, 0, 1, 0], "image/gif"),
        (Array("GIF87a".utf8), "image/gif"),
        (Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8), "image/webp"),
        (Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WAVEfmt ".utf8), "application/octet-stream"),
        (Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8), "image/svg+xml"),
        (Array("  \n<?xml version=\"1.0\"?>\n<svg></svg>".utf8), "image/svg+xml"),
        (Array("<!-- made by hand -->\n<svg></svg>".utf8), "image/svg+xml"),
        (Array("<?xml version=\"1.0\"?><note/>".utf8), "text/plain; charset=utf-8"),
        (Array("%PDF-1.7\n".utf8), "application/pdf"),
        ([0x50, 0x4B, 0x03, 0x04, 20, 0], "application/zip"),
        ([0, 0, 0, 0x20] + Array("ftypisom".utf8) + [0, 0, 2, 0], "video/mp4"),
        ([0, 0, 0, 0x18] + Array("ftypmp42".utf8), "video/mp4"),
        ([0, 0, 0, 0x14] + Array("ftypqt  ".utf8), "video/quicktime"),
        ([0, 0, 0, 0x1C] + Array("ftypavif".utf8), "image/avif"),
        (Array("xxxxftypisom".utf8), "text/plain; charset=utf-8"),  // not a small box: text
        (Array("hello, world\n".utf8), "text/plain; charset=utf-8"),
        (Array("héllo".utf8), "text/plain; charset=utf-8"),
        ([0x68, 0xE9, 0x6C], "text/plain"),  // Latin-1, not UTF-8
        ([], "text/plain; charset=utf-8"),
        ([0, 1, 2, 3, 4], "application/octet-stream"),
        ([0x1F, 0x8B, 0x08, 0], "application/gzip"),
    ]

    @Test(arguments: 0..<sniffCases.count)
    func sniffsContent(_ index: Int) {
        let (bytes, expected) = Self.sniffCases[index]
        #expect(ContentSniffer.sniff(bytes) == expected)
    }

    @Test func sniffingLooksAtTheFirst512BytesOnly() {
        // UTF-8 text cut mid-character by the window is still UTF-8.
        let text = Array(("a" + String(repeating: "é", count: 400)).utf8)
        #expect(ContentSniffer.sniff(text) == "text/plain; charset=utf-8")
        // A binary byte after 512 bytes of text is not seen.
        #expect(ContentSniffer.sniff(Array(repeating: UInt8(ascii: "a"), count: 512) + [0]) == "text/plain; charset=utf-8")
        #expect(ContentSniffer.sniff(Array(repeating: UInt8(ascii: "a"), count: 511) + [0]) == "application/octet-stream")
        #expect(ContentSniffer.fileExtension(forType: "text/plain; charset=utf-8") == ".txt")
        #expect(ContentSniffer.fileExtension(forType: "image/jpeg") == ".jpg")
        #expect(ContentSniffer.fileExtension(forType: "application/octet-stream") == "")
    }

    // MARK: - File names

    static let fileNames: [(String, String, String)] = [
        // (original, sniffed type, expected with random parts "r1"… replaced in order)
        ("My Photo (1).PNG", "image/png", "my_photo_1_RAND1.PNG"),
        ("pbspec-doc.txt", "text/plain", "pbspec_doc_RAND1.txt"),
        (".hidden", "text/plain", "RAND1_RAND2.hidden"),
        ("archive.tar.gz", "application/gzip", "archive_RAND1.tar.gz"),
        ("my.photo.v2.png", "image/png", "my_photo_RAND1.v2.png"),
        ("myTestDB.json", "text/plain", "my_test_db_RAND1.json"),
        ("HTTPServer.go", "text/plain", "httpserver_RAND1.go"),
        ("naïve café.txt", "text/plain", "na_ve_caf_RAND1.txt"),
        ("日本語.pdf", "application/pdf", "RAND1_RAND2.pdf"),
        ("noext", "image/jpeg", "noext_RAND1.jpg"),
        ("noext", "application/octet-stream", "noext_RAND1"),
        ("ab", "text/plain; charset=utf-8", "abRAND1_RAND2.txt"),
        ("weird.(ext)", "image/png", "weird_RAND1.ext"),
        ("dots...", "image/gif", "dots_RAND1.gif"),
        ("a/../../etc/passwd", "text/plain", "aRAND1_RAND2.etcpasswd"),
        ("x.é", "image/png", "xRAND1_RAND2.png"),
        ("file." + String(repeating: "e", count: 30), "text/plain", "file_RAND1." + String(repeating: "e", count: 20)),
        (String(repeating: "n", count: 120) + ".bin", "application/octet-stream", String(repeating: "n", count: 100) + "_RAND1.bin"),
        (String(repeating: "p", count: 400) + ".txt", "text/plain", String(repeating: "p", count: 100) + "_RAND1.txt"),
        ("tab\tand\u{0}nul.txt", "text/plain", "tab_and_nul_RAND1.txt"),
    ]

    @Test(arguments: 0..<fileNames.count)
    func normalizesFileNamesLikePocketBase(_ index: Int) {
        let (original, type, expected) = Self.fileNames[index]
        var n = 0
        let name = FileName.normalize(original, sniffedType: type) {
            n += 1
            return "RAND\(n)"
        }
        #expect(name == expected, "\(original)")
    }

    @Test func normalizedNamesAreRandomAndValid() {
        let a = FileName.normalize("photo.png", sniffedType: "image/png")
        let b = FileName.normalize("photo.png", sniffedType: "image/png")
        #expect(a != b)
        #expect(a.utf8.count == "photo_".utf8.count + 10 + ".png".utf8.count)
        #expect(a.hasPrefix("photo_") && a.hasSuffix(".png"))
        let suffix = a.dropFirst(6).prefix(10)
        #expect(suffix.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        #expect(FileName.isValidStoredName(a))
        let long = FileName.normalize(String(repeating: "x", count: 1000) + "." + String(repeating: "y", count: 100), sniffedType: "")
        #expect(long.utf8.count <= 150 && FileName.isValidStoredName(long))
        #expect(!FileName.isValidStoredName(".x") && !FileName.isValidStoredName("/x") && !FileName.isValidStoredName("\\x"))
        #expect(!FileName.isValidStoredName("") && !FileName.isValidStoredName(String(repeating: "a", count: 151)))
    }
}
