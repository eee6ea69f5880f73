// Aerie — uploaded files on the local disk: <dir>/storage/<collectionId>/<recordId>/<name>
// SPDX-License-Identifier: MIT
import AerieBase
#if canImport(Glibc)
import Glibc
#endif

/// Files under one root directory, laid out as PocketBase's local storage (spec §10.1).
///
/// A file is written to `temporaryDirectory` first (the upload collector does that, fsyncing it),
/// then renamed into place and its directory fsynced: `rename(2)` is atomic within one file
/// system, so a crash leaves either no file or the whole file. Temporary files left by a crash
/// are removed when the storage opens.
public final class LocalFileStorage: FileStorage {
    /// The root, e.g. `<dir>/storage`.
    public let root: String
    public let temporaryDirectory: String

    /// Opens (creating) `root`; a server (`clearsTemporaryFiles`) also empties the temporary
    /// directory, whose files can only be left from a crash, since one server owns a data directory.
    public init(root: String, clearsTemporaryFiles: Bool = true) throws {
        self.root = root
        temporaryDirectory = root + "/.tmp"
        try Directories.make(temporaryDirectory)
        if clearsTemporaryFiles { Self.removeContents(of: temporaryDirectory) }
    }

    private func directory(_ collectionID: String, _ recordID: String) -> String { root + "/" + collectionID + "/" + recordID }

    public func store(temporaryPath: String, as key: FileKey) throws {
        guard key.isSafe else { throw CoreError.internal(detail: "unsafe file key \(key)") }
        let dir = directory(key.collectionID, key.recordID)
        do {
            try Directories.make(dir)
        } catch {
            throw CoreError.internal(detail: "cannot create \(dir): \(error)")
        }
        guard rename(temporaryPath, dir + "/" + key.name) == 0 else {
            throw CoreError.internal(detail: "cannot store \(key.name): errno \(errno)")
        }
        // The rename is durable only once the directory entry is on disk.
        let fd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    public func open(_ key: FileKey) -> ReadableFile? {
        guard key.isSafe else { return nil }
        let fd = Glibc.open(directory(key.collectionID, key.recordID) + "/" + key.name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        return ReadableFile(descriptor: fd, size: Int(info.st_size), modifiedSeconds: Int64(info.st_mtim.tv_sec))
    }

    public func delete(_ key: FileKey) {
        guard key.isSafe else { return }
        let dir = directory(key.collectionID, key.recordID)
        unlink(dir + "/" + key.name)
        // PocketBase keeps thumbnails in `thumbs_<name>/`; Aerie makes none, but removes any left there.
        let thumbs = dir + "/thumbs_" + key.name
        Self.removeContents(of: thumbs)
        rmdir(thumbs)
        rmdir(dir)  // succeeds only once the record has no files left
    }

    public func deleteRecord(collectionID: String, recordID: String) {
        guard FileKey(collectionID: collectionID, recordID: recordID, name: "x").isSafe else { return }
        let dir = directory(collectionID, recordID)
        Self.removeContents(of: dir)
        rmdir(dir)
    }

    public func recordIDs(collectionID: String) -> [String] {
        guard FileKey(collectionID: collectionID, recordID: "x", name: "x").isSafe else { return [] }
        return Self.entries(of: root + "/" + collectionID).filter { $0.isDirectory }.map(\.name)
    }

    public func files(collectionID: String, recordID: String) -> [(name: String, modifiedSeconds: Int64)] {
        guard FileKey(collectionID: collectionID, recordID: recordID, name: "x").isSafe else { return [] }
        let dir = directory(collectionID, recordID)
        return Self.entries(of: dir).filter { !$0.isDirectory }.map { entry in
            var info = stat()
            let modified = lstat(dir + "/" + entry.name, &info) == 0 ? Int64(info.st_mtim.tv_sec) : 0
            return (entry.name, modified)
        }
    }

    /// The names in `path` (without `.` and `..`), and whether each is a directory.
    private static func entries(of path: String) -> [(name: String, isDirectory: Bool)] {
        guard let stream = opendir(path) else { return [] }
        defer { closedir(stream) }
        var out: [(String, Bool)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            out.append((name, entry.pointee.d_type == UInt8(DT_DIR)))
        }
        return out
    }

    /// Removes the files and (one level of) subdirectories in `path`.
    private static func removeContents(of path: String) {
        guard let stream = opendir(path) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if unlink(child) != 0 {
                removeContents(of: child)
                rmdir(child)
            }
        }
    }
}
