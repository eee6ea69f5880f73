// Aerie — collects a multipart/form-data body: text fields in memory, files streamed to disk
// SPDX-License-Identifier: MIT
import AerieBase
import CLinux
import Glibc

/// A parsed multipart/form-data body: text fields in order and uploaded files on disk.
///
/// The temporary files belong to whoever holds the form: move them into storage, or call
/// `removeTemporaryFiles()`.
public struct MultipartForm: Sendable {
    /// Text parts in body order; repeated names appear repeatedly.
    public var fields: [(name: String, value: String)]
    /// File parts in body order.
    public var files: [UploadedFile]

    /// Every value sent under `name`, in order.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// Deletes every file's temporary copy (after the files were stored, or when giving up).
    public func removeTemporaryFiles() {
        for file in files { unlink(file.temporaryPath) }
    }
}

/// One uploaded file, held in a temporary file until it is stored.
public struct UploadedFile: Sendable {
    /// The form field the file was sent under (modifiers such as `+` included).
    public var fieldName: String
    /// The client's file name, directory part removed.
    public var originalName: String
    /// The client's Content-Type (RFC 7578 §4.4: `application/octet-stream` when absent). Not trusted.
    public var contentType: String
    /// The file's size in bytes.
    public var size: Int
    /// Where the bytes are, owned by the form until stored.
    public var temporaryPath: String
    /// The type detected from the first bytes (`ContentSniffer`), which validation uses.
    public var sniffedType: String
}

/// Runs `MultipartParser` over a body delivered in any chunking, keeping text fields in memory and
/// streaming file parts into temporary files created under `temporaryDirectory`.
///
/// Memory stays bounded whatever the chunking: the collector keeps at most one partial header line
/// or delimiter, plus up to `feedBytes` of input it copied and a `writeBufferBytes` write buffer
/// (`peakBufferedBytes` reports the high-water mark). On any error it deletes every temporary file it
/// created; after `finish()` the files belong to the returned form. Dropping an unfinished collector
/// deletes its files too.
///
/// ```swift
/// let collector = try MultipartCollector(boundary: boundary, limits: limits, temporaryDirectory: dir)
/// try collector.consume(chunk)      // as body bytes arrive
/// let form = try collector.finish() // at the end of the body
/// ```
///
/// Not thread-safe: use it from one thread at a time (the worker handling the request).
package final class MultipartCollector {
    /// Largest slice of caller input copied into the internal buffer at once.
    package static let feedBytes = 32 << 10
    /// Size of the file write buffer (small chunks are coalesced into one write).
    package static let writeBufferBytes = 32 << 10

    /// The most bytes held in the internal input and write buffers at any time.
    package private(set) var peakBufferedBytes = 0

    private var parser: MultipartParser
    private let directory: String
    private let syncsFiles: Bool
    private var pending: [UInt8] = []
    private var writeBuffer: [UInt8] = []
    private var fields: [(name: String, value: String)] = []
    private var files: [UploadedFile] = []
    /// Temporary files this collector created and still owns.
    private var ownedPaths: [String] = []
    private var failure: MultipartError?
    private var isFinished = false

    // The part being collected.
    private var head: MultipartPartHead?
    private var fieldValue: [UInt8] = []
    private var fd: Int32 = -1
    private var path = ""
    private var fileSize = 0
    private var sniffHead: [UInt8] = []

    /// A collector for a body delimited by `boundary`.
    /// - Parameters:
    ///   - temporaryDirectory: an existing directory for the temporary files (same file system as
    ///     storage, so storing is a rename).
    ///   - syncsFiles: fsync each temporary file when its part ends.
    /// - Throws: `invalidBoundary`.
    package init(boundary: [UInt8], limits: MultipartParser.Limits = .init(), temporaryDirectory: String,
                 syncsFiles: Bool = false) throws(MultipartError) {
        parser = try MultipartParser(boundary: boundary, limits: limits)
        directory = temporaryDirectory
        self.syncsFiles = syncsFiles
    }

    deinit { discard() }

    /// Feeds the next body bytes.
    /// - Throws: the parser's errors, or a `.storage` error; either way every temporary file is gone.
    package func consume(_ bytes: UnsafeRawBufferPointer) throws(MultipartError) {
        if let failure { throw failure }
        precondition(!isFinished, "consume after finish")
        do throws(MultipartError) {
            var input = bytes
            while !input.isEmpty {
                if pending.isEmpty {
                    // Parse straight from the caller's bytes; copy only the unconsumed tail.
                    let used = try parse(input)
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[used...]))
                    input = UnsafeRawBufferPointer(rebasing: input[input.count...])
                } else {
                    let take = min(input.count, Self.feedBytes)
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0..<take]))
                    input = UnsafeRawBufferPointer(rebasing: input[take...])
                    recordPeak()
                    var buffer: [UInt8] = []
                    swap(&buffer, &pending)
                    let result = buffer.withUnsafeBytes { raw in Result { () throws(MultipartError) in try parse(raw) } }
                    let used = try result.get()
                    buffer.removeFirst(used)
                    swap(&buffer, &pending)
                }
                recordPeak()
            }
        } catch {
            fail(error)
            throw error
        }
    }

    /// Ends the body and returns the form; the temporary files now belong to the caller.
    /// - Throws: `truncatedBody` without a close delimiter, or any earlier error (files deleted).
    package func finish() throws(MultipartError) -> MultipartForm {
        if let failure { throw failure }
        precondition(!isFinished, "finish called twice")
        do throws(MultipartError) {
            try parser.finish()
        } catch {
            fail(error)
            throw error
        }
        isFinished = true
        ownedPaths = []
        return MultipartForm(fields: fields, files: files)
    }

    /// Deletes every temporary file this collector still owns and stops it.
    package func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        for path in ownedPaths { unlink(path) }
        ownedPaths = []
        files = []
        writeBuffer = []
        pending = []
    }

    // MARK: - Events

    /// Runs the parser over `input` until it needs more; returns the bytes consumed.
    private func parse(_ input: UnsafeRawBufferPointer) throws(MultipartError) -> Int {
        var offset = 0
        while true {
            let (event, used) = try parser.next(UnsafeRawBufferPointer(rebasing: input[offset...]))
            guard let event else { return offset + used }
            switch event {
            case .partBegin(let h):
                head = h
                if h.isFile { try openFile() } else { fieldValue = [] }
            case .bodyChunk(let range):
                let chunk = UnsafeRawBufferPointer(rebasing: input[(offset + range.lowerBound)..<(offset + range.upperBound)])
                if fd >= 0 {
                    try write(chunk)
                } else {
                    fieldValue.append(contentsOf: chunk)
                }
            case .partEnd:
                try endPart()
            case .end:
                break
            }
            offset += used
        }
    }

    private func endPart() throws(MultipartError) {
        guard let h = head else { return }
        head = nil
        if fd < 0 {
            fields.append((h.name, String(decoding: fieldValue, as: UTF8.self)))
            fieldValue = []
            return
        }
        try flush()
        if syncsFiles, fsync(fd) != 0 { throw MultipartError(.storage, "cannot sync temporary file") }
        close(fd)
        fd = -1
        files.append(UploadedFile(fieldName: h.name, originalName: h.filename ?? "",
                                  contentType: h.contentType ?? "application/octet-stream", size: fileSize,
                                  temporaryPath: path, sniffedType: ContentSniffer.sniff(sniffHead)))
        sniffHead = []
    }

    // MARK: - Files

    private func openFile() throws(MultipartError) {
        for _ in 0..<8 {
            let candidate = directory + "/aerie-upload-" + RandomID.make(length: 20)
            // O_EXCL: never follow or reuse something already there (a planted symlink, another upload).
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                fd = descriptor
                path = candidate
                ownedPaths.append(candidate)
                fileSize = 0
                sniffHead = []
                return
            }
            if aerie_errno() != EEXIST { break }
        }
        throw MultipartError(.storage, "cannot create temporary file")
    }

    private func write(_ chunk: UnsafeRawBufferPointer) throws(MultipartError) {
        if sniffHead.count < ContentSniffer.sniffLength {
            sniffHead.append(contentsOf: chunk.prefix(ContentSniffer.sniffLength - sniffHead.count))
        }
        fileSize += chunk.count
        if writeBuffer.isEmpty && chunk.count >= Self.writeBufferBytes {
            try writeAll(chunk)
            return
        }
        writeBuffer.append(contentsOf: chunk)
        recordPeak()
        if writeBuffer.count >= Self.writeBufferBytes { try flush() }
    }

    private func flush() throws(MultipartError) {
        guard !writeBuffer.isEmpty else { return }
        var buffer: [UInt8] = []
        swap(&buffer, &writeBuffer)
        defer {
            buffer.removeAll(keepingCapacity: true)
            swap(&buffer, &writeBuffer)
        }
        try buffer.withUnsafeBytes { raw in Result { () throws(MultipartError) in try writeAll(raw) } }.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(MultipartError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if aerie_errno() == EINTR { continue }
                throw MultipartError(.storage, "cannot write temporary file")
            }
            done += n
        }
    }

    private func fail(_ error: MultipartError) {
        failure = error
        discard()
    }

    private func recordPeak() {
        peakBufferedBytes = max(peakBufferedBytes, pending.count + writeBuffer.count)
    }
}
