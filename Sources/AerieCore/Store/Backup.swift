// Aerie — consistent online backups of a data directory, and their restore
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import AerieSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One archive in `<dir>/backups/`.
public struct BackupInfo: Sendable, Hashable {
    public var name: String
    public var path: String
    public var bytes: Int
    /// Modification time, seconds since 1970.
    public var modified: Int
}

/// Backups are ustar archives in `<dir>/backups/` holding `aerie-backup.json` (a manifest),
/// `data.db` (a snapshot taken with SQLite's online backup API, so it is consistent while a
/// server keeps writing) and `storage/…` (uploaded files, when the directory has any).
/// Every archive is written under a temporary name and renamed into place when complete.
public enum Backup {
    static let manifestName = "aerie-backup.json"

    /// `<dir>/backups`.
    public static func directory(in dataDirectory: String) -> String { dataDirectory + "/backups" }

    /// Whether `name` is a plain file name a user may give a backup.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 || $0 == 46 }
    }

    /// Writes a new backup of `dataDirectory` and returns it. `name` defaults to
    /// `aerie-<UTC timestamp>.tar`; `.tar` is appended when missing.
    public static func create(dataDirectory: String, name: String? = nil, prefix: String = "aerie") throws -> BackupInfo {
        let database = App.databasePath(in: dataDirectory)
        guard FileTree.exists(database) else { throw ArchiveError("\(dataDirectory) has no database (\(database)) to back up") }
        var fileName = name ?? "\(prefix)-\(stamp()).tar"
        guard isValidName(fileName) else { throw ArchiveError("backup names may use letters, digits, -, _ and . and must not start with .") }
        if !fileName.hasSuffix(".tar") { fileName += ".tar" }
        let folder = directory(in: dataDirectory)
        do { try Directories.make(folder) } catch { throw ArchiveError("\(error)") }
        var final = folder + "/" + fileName
        if name == nil {
            // Two automatic backups within one second get -2, -3, … rather than failing.
            var n = 2
            while FileTree.exists(final) { final = folder + "/" + String(fileName.dropLast(4)) + "-\(n).tar"; n += 1 }
        }
        guard !FileTree.exists(final) else { throw ArchiveError("the backup \(fileName) already exists") }

        let token = RandomID.make(length: 12, alphabet: RandomID.alphanumeric)
        let snapshot = folder + "/.tmp-\(token).db"
        let temporary = folder + "/.tmp-\(token).tar"
        // The snapshot's connection keeps a rollback journal beside it while it copies.
        let scratch = [snapshot, snapshot + "-journal", snapshot + "-wal", snapshot + "-shm", temporary]
        scratch.forEach(TemporaryFiles.shared.register)
        defer {
            for path in scratch {
                FileTree.remove(path)
                TemporaryFiles.shared.unregister(path)
            }
        }
        // One backup step copies every page inside one read transaction: a snapshot holding
        // every commit that finished before it began, whatever the server writes meanwhile.
        let source = try Connection(path: database, readOnly: true)
        defer { source.close() }
        try source.backup(to: snapshot)

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError("cannot create \(temporary): \(FileTree.errorText())") }
        var closed = false
        defer { if !closed { close(fd) } }
        let tar = TarWriter(fd: fd)
        let now = Int(time(nil))
        let storage = dataDirectory + "/storage"
        let files = FileTree.isDirectory(storage) ? FileTree.files(under: storage) : []
        let manifest: JSON = .object(["format": "aerie-backup", "version": 1, "created": .string(Timestamp.now().formatted),
                                      "database": "data.db", "storageFiles": .int(Int64(files.count))])
        try tar.add(bytes: manifest.serialized(), as: manifestName, mtime: now)
        try tar.add(file: snapshot, as: "data.db")
        for file in files {
            // An uploaded file deleted while we walk the tree is simply not part of the backup.
            guard FileTree.exists(storage + "/" + file) else { continue }
            try tar.add(file: storage + "/" + file, as: "storage/" + file)
        }
        try tar.finish()
        guard fsync(fd) == 0 else { throw ArchiveError("cannot flush \(temporary): \(FileTree.errorText())") }
        close(fd)
        closed = true
        guard rename(temporary, final) == 0 else { throw ArchiveError("cannot rename the backup into place: \(FileTree.errorText())") }
        FileTree.syncDirectory(folder)
        return try info(path: final)
    }

    /// The backups in `<dir>/backups`, oldest first by name.
    public static func list(dataDirectory: String) -> [BackupInfo] {
        let folder = directory(in: dataDirectory)
        return FileTree.list(folder).filter { $0.hasSuffix(".tar") && !$0.hasPrefix(".") }.compactMap { try? info(path: folder + "/" + $0) }
    }

    /// Replaces the database and storage files of `dataDirectory` with those of the backup
    /// `name` (a file in `<dir>/backups`, or a path). Refuses while a server holds the
    /// directory. The archive is unpacked and checked (`PRAGMA integrity_check`) beside the
    /// live files first; the current data is itself saved as `pre-restore-<time>.tar`; then a
    /// journal commits the swap (see `RestoreJournal`), so after a crash at any point the next
    /// command that takes the directory finds the old database with the old files, or finishes
    /// the swap to the new database with the new files.
    /// - Returns: the safety backup of the data that was replaced, if there was any.
    @discardableResult
    public static func restore(dataDirectory: String, name: String) throws -> BackupInfo? {
        let lock = try DirectoryLock(directory: dataDirectory, exclusive: true)
        defer { withExtendedLifetime(lock) {} }
        let path = name.contains("/") ? name : directory(in: dataDirectory) + "/" + name
        let archive = FileTree.exists(path) || name.contains("/") || name.hasSuffix(".tar") ? path : path + ".tar"
        let fd = open(archive, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError("cannot open the backup \(archive): \(FileTree.errorText())") }
        defer { close(fd) }

        let stagingName = RestoreJournal.stagingPrefix + RandomID.make(length: 12, alphabet: RandomID.alphanumeric)
        let staging = dataDirectory + "/" + stagingName
        TemporaryFiles.shared.register(staging)
        // Once committed, the staging directory belongs to the journal: a failed rename is
        // finished by the next command, so it must stay.
        var committed = false
        defer { if !committed { FileTree.remove(staging) }; TemporaryFiles.shared.unregister(staging) }
        guard mkdir(staging, 0o700) == 0 else { throw ArchiveError("cannot create \(staging): \(FileTree.errorText())") }
        var sawManifest = false, sawDatabase = false
        var openFD: Int32 = -1
        func closeOpen() {
            if openFD >= 0 { fsync(openFD); close(openFD); openFD = -1 }
        }
        defer { closeOpen() }
        try TarReader(fd: fd).forEach { entry, _ in
            closeOpen()
            guard let relative = safeRelativePath(entry) else { throw ArchiveError("the archive holds an unsafe path: \(entry)") }
            if relative == manifestName { sawManifest = true }
            if relative == "data.db" { sawDatabase = true }
            guard relative == manifestName || relative == "data.db" || relative.hasPrefix("storage/") else { return { _ in } }
            let target = staging + "/" + relative
            if let slash = target.lastIndex(of: "/") {
                do { try Directories.make(String(target[..<slash])) } catch { throw ArchiveError("\(error)") }
            }
            let out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard out >= 0 else { throw ArchiveError("cannot write \(target): \(FileTree.errorText())") }
            openFD = out
            return { chunk in try writeAll(chunk, to: out) }
        }
        closeOpen()
        guard sawManifest, sawDatabase else { throw ArchiveError("\(archive) is not an Aerie backup (no \(manifestName) or data.db)") }
        let staged = staging + "/data.db"
        do {
            let check = try Connection(path: staged, readOnly: true)
            defer { check.close() }
            guard try check.queryScalar("PRAGMA integrity_check") == .text("ok") else {
                throw ArchiveError("the database in \(archive) fails PRAGMA integrity_check; nothing was changed")
            }
        } catch let error as SQLiteError {
            throw ArchiveError("the database in \(archive) cannot be opened (\(error)); nothing was changed")
        }

        let database = App.databasePath(in: dataDirectory)
        var safety: BackupInfo?
        if FileTree.exists(database) {
            safety = try create(dataDirectory: dataDirectory, prefix: "pre-restore")
            // Fold the WAL into the database and let SQLite remove it, so no stale WAL can be
            // replayed over the restored file.
            let live = try Connection(path: database)
            try live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            live.close()
        }
        // The new pair is complete: an archive without files means an empty storage.
        if !FileTree.exists(staging + "/storage") {
            guard mkdir(staging + "/storage", 0o755) == 0 else { throw ArchiveError("cannot create \(staging)/storage: \(FileTree.errorText())") }
        }
        syncDirectories(under: staging)
        RestoreJournal.crashPoint("staged")
        // Ctrl-C from here on must not remove what the journal is about to name.
        TemporaryFiles.shared.unregister(staging)
        try RestoreJournal.commit(in: dataDirectory, staging: stagingName)
        committed = true
        try RestoreJournal.rollForward(in: dataDirectory, staging: stagingName)
        return safety
    }

    /// Flushes every directory under `root` (and `root`), so the staged names survive a power loss.
    static func syncDirectories(under root: String) {
        var directories: Set<String> = [root]
        for file in FileTree.files(under: root) {
            var parts = file.split(separator: "/").dropLast()
            while !parts.isEmpty {
                directories.insert(root + "/" + parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        for directory in directories { FileTree.syncDirectory(directory) }
    }

    /// A relative path without `..`, empty or absolute parts.
    static func safeRelativePath(_ path: String) -> String? {
        guard !path.hasPrefix("/") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        return path
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) throws {
        guard FileDescriptor.writeAll(fd, bytes) else { throw ArchiveError("cannot write while restoring: \(FileTree.errorText())") }
    }

    private static func info(path: String) throws -> BackupInfo {
        var st = stat()
        guard stat(path, &st) == 0 else { throw ArchiveError("cannot stat \(path): \(FileTree.errorText())") }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return BackupInfo(name: name, path: path, bytes: Int(st.st_size), modified: Int(st.st_mtim.tv_sec))
    }

    /// `20261124-154652` in UTC.
    static func stamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }
}
