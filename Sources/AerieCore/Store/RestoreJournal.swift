// Aerie — the journal that makes a restore's database-and-storage swap crash-safe
// SPDX-License-Identifier: MIT
import AerieBase
#if canImport(Glibc)
import Glibc
#endif

/// A restore replaces two things, `data.db` and `storage/`, and no single `rename(2)` swaps both.
/// So a restore first stages the complete new pair in `<dir>/.restore-<random>/` (flushed to disk),
/// then writes this journal, `<dir>/.aerie-restore.journal`, naming that staging directory. The
/// journal is the commit point:
///
/// - without a journal the old pair is untouched, and a staging directory is just leftovers;
/// - with one, the new pair wins: the renames below are run (again) until they are all done,
///   then the journal goes, then the staging directory with the replaced files.
///
/// Every step checks what is already done, so running them again after a crash at any point
/// finishes the same restore. `DirectoryLock` runs `recover` before `serve`, `backup` (create or
/// restore), `records` or `schema apply` use a directory, and `App.open` does for the commands
/// that take no lock: nobody opens a half-swapped directory.
enum RestoreJournal {
    static let fileName = ".aerie-restore.journal"
    static let stagingPrefix = ".restore-"
    /// The test-only variable naming a step at which the process exits at once (crash tests).
    static let crashVariable = "AERIE_TEST_CRASH_AT"

    static func path(in directory: String) -> String { directory + "/" + fileName }

    /// Whether a committed restore is waiting to be finished.
    static func isPending(in directory: String) -> Bool { FileTree.exists(path(in: directory)) }

    /// Staging directories of restores that never committed (or finished but were not removed).
    static func leftovers(in directory: String) -> [String] {
        FileTree.list(directory).filter { $0.hasPrefix(stagingPrefix) }
    }

    /// Whether `recover` has anything to do.
    static func needsRecovery(in directory: String) -> Bool {
        isPending(in: directory) || !leftovers(in: directory).isEmpty
    }

    /// Makes the staged pair the restore's outcome: writes the journal under a temporary name,
    /// flushes it and renames it into place (then flushes the directory entry).
    static func commit(in directory: String, staging name: String) throws {
        let temporary = directory + "/" + fileName + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError("cannot write \(temporary): \(FileTree.errorText())") }
        let bytes = Array((name + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        let flushed = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, flushed else {
            unlink(temporary)
            throw ArchiveError("cannot write \(temporary): \(FileTree.errorText())")
        }
        guard rename(temporary, path(in: directory)) == 0 else {
            unlink(temporary)
            throw ArchiveError("cannot commit the restore: \(FileTree.errorText())")
        }
        FileTree.syncDirectory(directory)
        crashPoint("journal")
    }

    /// Finishes a committed restore (if any) and removes staging leftovers. The caller holds the
    /// directory lock exclusively.
    static func recover(in directory: String) throws {
        if isPending(in: directory) {
            let journal = path(in: directory)
            guard let text = readText(journal) else { throw ArchiveError("cannot read \(journal): \(FileTree.errorText())") }
            let name = text.trimmingASCII()
            guard name.hasPrefix(stagingPrefix), !name.contains("/"), name.utf8.count < 100 else {
                throw ArchiveError("\(journal) is damaged (\(name.debugDescription)); restore a backup again")
            }
            Log.warning("restore: finishing the interrupted restore staged in \(directory)/\(name)")
            try rollForward(in: directory, staging: name)
        }
        for name in leftovers(in: directory) { FileTree.remove(directory + "/" + name) }
        // A journal written but never renamed into place.
        unlink(path(in: directory) + ".tmp")
    }

    /// The renames of a committed restore, each skipped when already done; then the journal
    /// and the staging directory go.
    static func rollForward(in directory: String, staging name: String) throws {
        let staging = directory + "/" + name
        let database = App.databasePath(in: directory)
        if FileTree.exists(staging + "/data.db") {
            // The old database's WAL was folded into it before the commit; a stale WAL must
            // never be replayed over the restored file.
            unlink(database + "-wal")
            unlink(database + "-shm")
            guard rename(staging + "/data.db", database) == 0 else {
                throw ArchiveError("cannot move the restored database into place: \(FileTree.errorText())")
            }
            FileTree.syncDirectory(directory)
            crashPoint("database")
        }
        let storage = directory + "/storage"
        let replaced = staging + "/storage.replaced"
        if FileTree.exists(staging + "/storage") {
            if FileTree.exists(storage) {
                guard rename(storage, replaced) == 0 else { throw ArchiveError("cannot move the old storage aside: \(FileTree.errorText())") }
                FileTree.syncDirectory(directory)
                FileTree.syncDirectory(staging)
                crashPoint("storage-aside")
            }
            guard rename(staging + "/storage", storage) == 0 else {
                throw ArchiveError("cannot move the restored storage into place: \(FileTree.errorText())")
            }
            FileTree.syncDirectory(staging)
            crashPoint("storage")
        }
        FileTree.syncDirectory(directory)
        unlink(path(in: directory))
        FileTree.syncDirectory(directory)
        crashPoint("committed")
        FileTree.remove(staging)
    }

    /// Exits the process at once (no clean-up, like a crash) when `AERIE_TEST_CRASH_AT` names
    /// `step`. Only the crash tests set the variable.
    static func crashPoint(_ step: String) {
        guard let value = getenv(crashVariable), String(cString: value) == step else { return }
        _exit(86)
    }

    private static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            out += buffer[0..<n]
            if out.count > 4096 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
