// Aerie — the event loop's side of spooled request bodies: hand-off, backpressure, completion
// SPDX-License-Identifier: MIT
import Synchronization

/// A loop never touches a spool file: it copies the body bytes of each read into the connection's
/// `BodySpoolWriter` and queues them for a `SpoolWriter` thread. When the writer falls behind,
/// the connection stops being read (its unread input stays in the kernel, `isReadable` remembers
/// it) until the writer posts `.spoolDrained`; when the body is complete, the request waits in
/// `.handling` until the writer has closed the file and posted `.spoolFinished`.
extension EventLoop {
    /// A spool for the request just parsed on `conn`, on the next writer in turn.
    func makeSpool(_ conn: Connection, directory: String) -> BodySpoolWriter {
        let writers = shared.spoolWriters
        let index = shared.nextSpoolWriter.wrappingAdd(1, ordering: .relaxed).oldValue
        let writer = writers[Int(UInt(bitPattern: index) % UInt(writers.count))]
        return BodySpoolWriter(directory: directory, connectionID: conn.id, inbox: inbox, writer: writer)
    }

    /// Queues the body bytes of the last read; pauses the connection when the writer says so.
    /// The pause starts after a whole read, so an upload never has more than the high-water mark
    /// plus one read buffer queued.
    func flushSpool(_ conn: Connection) {
        guard let spool = conn.spool, !conn.isAwaitingSpool, conn.state != .closed else { return }
        if spool.flush() && !conn.isSpoolPaused {
            conn.isSpoolPaused = true
            conn.spoolPausedAt = now
        }
    }

    /// The body is complete: wait for the writer to close its file before dispatching.
    func awaitSpool(_ conn: Connection) {
        conn.spool?.finish()
        conn.isAwaitingSpool = true
        conn.isSpoolPaused = false
        conn.state = .handling
        conn.deadline = 0
    }

    func spoolFinished(_ id: UInt64, _ body: SpooledBody?) {
        // A connection closed meanwhile drops `body`, which deletes the file.
        guard let conn = lookup(id), conn.isAwaitingSpool, conn.state == .handling else { return }
        conn.isAwaitingSpool = false
        conn.spool = nil
        if let body {
            dispatch(conn, spooled: body)
        } else {
            respondWithError(conn, .internalServerError)
        }
        resume(conn)
    }

    func spoolDrained(_ id: UInt64) {
        guard let conn = lookup(id), conn.isSpoolPaused else { return }
        conn.isSpoolPaused = false
        // The body clock stood still while we were the ones not reading.
        if conn.deadline != 0 { setDeadline(conn, conn.deadline + (now - conn.spoolPausedAt)) }
        resume(conn)
    }
}
