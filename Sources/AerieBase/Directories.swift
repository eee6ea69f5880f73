// Aerie — creating directory trees
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// Why a directory tree could not be created.
public struct DirectoryError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// `mkdir -p` for data directories and `aerie init`.
public enum Directories {
    /// Creates `path` and any missing parents (mode 0755); succeeds when it already is a directory.
    /// - Throws: `DirectoryError` naming the part that could not be created, or that `path` is not a directory.
    public static func make(_ path: String) throws(DirectoryError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw DirectoryError(description: "\(path) exists and is not a directory") }
            return
        }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DirectoryError(description: "cannot create the directory \(prefix): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw DirectoryError(description: "\(path) exists and is not a directory")
        }
    }
}
