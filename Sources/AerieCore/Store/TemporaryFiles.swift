// Aerie — temporary files that must vanish when a command is interrupted
// SPDX-License-Identifier: MIT
import AerieBase
#if canImport(Glibc)
import Glibc
#endif

/// The temporary files and directories a command is writing right now. Every output is
/// written under a temporary name and renamed into place when complete; on Ctrl-C the CLI
/// calls `removeAll()` before exiting, so nothing half-written is ever left behind.
public final class TemporaryFiles: Sendable {
    /// The process-wide registry.
    public static let shared = TemporaryFiles()
    private let paths = Locked<Set<String>>([])

    /// Records a path to remove on interruption.
    public func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }

    /// Forgets a path (renamed into place or already removed).
    public func unregister(_ path: String) { paths.withLock { _ = $0.remove(path) } }

    /// Removes every registered path (files, or directory trees).
    public func removeAll() {
        let all = paths.withLock { p -> Set<String> in let copy = p; p = []; return copy }
        for path in all { FileTree.remove(path) }
    }
}

/// Small file-system helpers over Glibc (AerieCore keeps Foundation out of its core paths).
public enum FileTree {
    /// Whether `path` exists (any kind).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory, sorted, without `.` and `..`.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Every regular file under `root`, as paths relative to it, sorted.
    public static func files(under root: String) -> [String] {
        var out: [String] = []
        func walk(_ relative: String) {
            let full = relative.isEmpty ? root : root + "/" + relative
            for name in list(full) {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + child, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR { walk(child) } else if (info.st_mode & S_IFMT) == S_IFREG { out.append(child) }
            }
        }
        walk("")
        return out
    }

    /// `rm -rf path`.
    public static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Flushes a directory entry (after a rename) to disk.
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// The message for the current `errno`.
    static func errorText() -> String { String(cString: strerror(errno)) }
}
