// Aerie — request bodies written to a temporary file as they arrive (large uploads)
// SPDX-License-Identifier: MIT
import AerieBase
import CLinux
import Glibc
import Synchronization

/// A complete request body kept in a temporary file instead of `HTTPRequest.body`.
///
/// The server spools a body when `HTTPServerConfiguration.bodySpool` names a directory for the
/// request (the responder decides from method, path and headers, e.g. multipart record writes),
/// so a 1 GiB upload costs disk, not memory. The file is deleted when the last reference goes.
public final class SpooledBody: Sendable {
    /// The temporary file holding the body.
    public let path: String
    /// The body's length in bytes.
    public let size: Int
    private let isRemoved = Atomic(false)

    init(path: String, size: Int) {
        self.path = path
        self.size = size
    }

    deinit { remove() }

    /// Deletes the file now (once read) rather than when the request is released; idempotent.
    public func remove() {
        if !isRemoved.exchange(true, ordering: .relaxed) { unlink(path) }
    }

    /// Calls `body` with successive chunks of the file (at most `chunkSize` bytes each), reusing
    /// one buffer, so memory stays bounded whatever the size.
    /// - Throws: `SystemError` when the file cannot be read, or whatever `body` throws.
    public func forEachChunk(chunkSize: Int = 64 << 10, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(aerie_errno(), "open") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, chunkSize)
            if n < 0 {
                if aerie_errno() == EINTR { continue }
                throw SystemError(aerie_errno(), "read")
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}

/// The loop's side of one spooled body: collects the bytes parsed from each read and hands them to
/// the upload's `SpoolWriter`, which does the file system calls on its own thread (see
/// SpoolWriter.swift). Confined to the connection's loop.
final class BodySpoolWriter {
    let upload: SpoolUpload
    private let writer: SpoolWriter
    private var pending: [UInt8] = []

    init(directory: String, connectionID: UInt64, inbox: LoopInbox, writer: SpoolWriter) {
        upload = SpoolUpload(directory: directory, connectionID: connectionID, inbox: inbox)
        self.writer = writer
    }

    /// Copies body bytes; they go to the writer at the next `flush`.
    func append(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
    }

    /// Hands the collected bytes to the writer (one job per read); `true` when the loop must stop
    /// reading the connection until `.spoolDrained` (backpressure).
    func flush() -> Bool {
        guard !pending.isEmpty else { return false }
        let bytes = pending
        pending = []
        return writer.enqueue(upload, bytes)
    }

    /// The body is complete: after its last write the writer closes the file and posts
    /// `.spoolFinished` with the `SpooledBody` (or `nil` when a write failed).
    func finish() {
        _ = flush()
        writer.finish(upload)
    }

    /// The request is abandoned (connection closed, error answered): queued bytes are dropped
    /// and the file is removed.
    func cancel() {
        pending = []
        writer.cancel(upload)
    }
}
