// Aerie — an advisory lock on a data directory (serve vs restore/apply)
// SPDX-License-Identifier: MIT
import AerieBase
#if canImport(Glibc)
import Glibc
#endif

/// An `flock(2)` on `<dir>/.aerie.lock`. `aerie serve` holds it shared for as long as it runs
/// (several servers may share a directory); `aerie backup restore` and `aerie schema apply`
/// take it exclusively and refuse to run while any server holds it. The kernel drops the
/// lock when the process dies, so a crashed server never leaves the directory locked.
public final class DirectoryLock {
    private let fd: Int32
    /// The lock file's path.
    public let path: String

    /// Takes the lock without waiting.
    /// - Throws: `StartupError` when another process holds a conflicting lock.
    public init(directory: String, exclusive: Bool) throws {
        do {
            try Directories.make(directory)
        } catch {
            throw StartupError("cannot use the data directory \(directory): \(error)")
        }
        path = directory + "/.aerie.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StartupError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        // A restore that stopped half-way (a crash, a power loss) is finished, and staging
        // leftovers removed, before anyone uses the directory. That needs the lock exclusively
        // for a moment; while someone else holds it the usual refusal below applies (a
        // committed restore cannot be pending while a server runs: restores take the lock exclusively).
        if RestoreJournal.needsRecovery(in: directory) && flock(fd, LOCK_EX | LOCK_NB) == 0 {
            do {
                try RestoreJournal.recover(in: directory)
            } catch {
                close(fd)
                throw StartupError("cannot finish the interrupted restore of \(directory): \(error)")
            }
            if exclusive { return }
        }
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let reason = errno == EWOULDBLOCK
                ? (exclusive ? "a running `aerie serve` uses the data directory \(directory); stop it first"
                             : "the data directory \(directory) is being restored or migrated; try again when that finishes")
                : "cannot lock \(path): \(String(cString: strerror(errno)))"
            close(fd)
            throw StartupError(reason)
        }
    }

    deinit { close(fd) }
}
