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

/// Writes one request's body into a temporary file, on its connection's loop.
///
/// The writes go to the page cache and are not fsynced (the file is scratch space: it dies with
/// the request), so they do not wait on the disk in practice; nginx buffers large bodies to
/// disk from its event loop the same way.
final class BodySpoolWriter {
    private var fd: Int32
    let path: String
    private(set) var size = 0
    /// A write failed (disk full…): the request is answered 500 instead of being dispatched.
    private(set) var failed = false

    /// A new temporary file in `directory`, or `nil` when none can be created.
    init?(directory: String) {
        for _ in 0..<8 {
            let candidate = directory + "/aerie-body-" + RandomID.make(length: 20)
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                fd = descriptor
                path = candidate
                return
            }
            if aerie_errno() != EEXIST { break }
        }
        return nil
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    /// Appends body bytes.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard !failed, let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if aerie_errno() == EINTR { continue }
                failed = true
                return
            }
            done += n
        }
        size += bytes.count
    }

    /// Closes the file and hands it over; `nil` (file deleted) when a write failed.
    func finish() -> SpooledBody? {
        close(fd)
        fd = -1
        if failed {
            unlink(path)
            return nil
        }
        return SpooledBody(path: path, size: size)
    }
}
