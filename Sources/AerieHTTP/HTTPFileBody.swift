// Aerie — a response body that is a range of an open file, sent with sendfile(2)
// SPDX-License-Identifier: MIT
import Glibc

/// A response body read straight from a file: the event loop sends `length` bytes starting at
/// `offset` with `sendfile(2)`, so the bytes never pass through user space and the loop never
/// waits on a slow reader (it resumes on EPOLLOUT like any other write).
///
/// Owns `descriptor`: it is closed when the last reference goes, whether the response was sent,
/// cut short by the peer, or dropped because the connection closed before it was ready.
public final class HTTPFileBody: Sendable {
    /// An open, readable descriptor of a regular file.
    public let descriptor: Int32
    /// The first byte to send.
    public let offset: Int
    /// How many bytes to send.
    public let length: Int

    /// Takes ownership of `descriptor`.
    public init(descriptor: Int32, offset: Int, length: Int) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }

    deinit { close(descriptor) }
}

/// Progress of a file body on one connection (confined to its loop).
struct FileSendState {
    let body: HTTPFileBody
    /// The next file offset to send.
    var position: Int
    /// One past the last byte to send.
    let end: Int

    init(_ body: HTTPFileBody) {
        self.body = body
        position = body.offset
        end = body.offset + body.length
    }

    var isDone: Bool { position >= end }
}

extension EventLoop {
    /// What one `sendfile` round achieved.
    enum FileSendOutcome { case done, wouldBlock, failed }

    /// Sends as much of the connection's file body as the socket takes.
    static func sendFile(_ conn: Connection) -> FileSendOutcome {
        guard var state = conn.pendingFile else { return .done }
        defer { conn.pendingFile = state }
        while !state.isDone {
            var offset = off_t(state.position)
            // Large files go in slices so one connection cannot hog the loop for long.
            let count = min(state.end - state.position, 1 << 20)
            let n = sendfile(conn.fd, state.body.descriptor, &offset, count)
            if n > 0 {
                state.position = Int(offset)
                continue
            }
            if n == 0 { return .failed }  // the file shrank under us: the promised length cannot be met
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed
        }
        return .done
    }
}
