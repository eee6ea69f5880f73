// Aerie — background WAL checkpoints, off the write path
// SPDX-License-Identifier: MIT
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Copies WAL frames back into the database file from a timer on its own serial queue and
/// connection, so no write transaction ever pays for a checkpoint (and its fsync) inline.
///
/// The writer runs with `wal_autocheckpoint=0`; this runs `wal_checkpoint(PASSIVE)` every
/// `interval`, which never blocks readers or the writer (https://sqlite.org/wal.html#ckpt).
/// Under a steady write load a passive checkpoint never catches up with the newest frame, so
/// the WAL would only grow: once it holds more than `restartFrames` frames, a TRUNCATE checkpoint
/// makes writers wait (through their busy timeout) while it copies the few frames the passive
/// ones left, then resets the file. Writers pause for milliseconds every few seconds instead of
/// paying a checkpoint and an fsync inside every thousandth commit.
final class Checkpointer: @unchecked Sendable {  // `connection` is confined to `queue`; `timer` is touched only in init and stop
    private let queue = DispatchQueue(label: "aerie.sqlite.checkpointer")
    private let timer: any DispatchSourceTimer
    private var connection: Connection?
    private let walPath: String
    /// Called on the checkpointer's queue when the WAL file changed since the last tick.
    private let onWALChange: @Sendable () -> Void
    /// The WAL file's size, inode and modification time at the last tick.
    private var lastWAL: [Int] = []

    /// - Parameter onWALChange: told when the WAL file changed between two ticks — the only way to
    ///   notice commits by another process (`aerie records import` beside a running server).
    init(path: String, busyTimeoutMilliseconds: Int32, interval: Duration, onWALChange: @escaping @Sendable () -> Void = {}) throws {
        walPath = path + "-wal"
        self.onWALChange = onWALChange
        connection = try Connection(path: path, readOnly: false, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds), leeway: .milliseconds(20))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    /// WAL frames (pages) past which the next tick resets the WAL: 4096 × 4 KiB = 16 MiB.
    static let restartFrames: Int64 = 4096

    private func tick() {
        guard let connection else { return }
        noticeWALChange()
        // Errors (SQLITE_BUSY while another checkpoint runs) just mean "try again next tick".
        // The pragma answers (busy, frames in the WAL, frames checkpointed).
        guard let row = try? connection.queryRow("PRAGMA wal_checkpoint(PASSIVE)"), row.count == 3,
              case .integer(let frames) = row[1] else { return }
        if frames > Self.restartFrames {
            _ = try? connection.queryRow("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    private func noticeWALChange() {
        var info = stat()
        let now: [Int] = stat(walPath, &info) == 0
            ? [Int(info.st_size), Int(info.st_ino), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
            : []
        if now != lastWAL {
            lastWAL = now
            onWALChange()
        }
    }

    /// Stops the timer and closes the connection; waits for a running checkpoint to finish.
    func stop() {
        timer.cancel()
        queue.sync {
            connection?.close()
            connection = nil
        }
    }
}
