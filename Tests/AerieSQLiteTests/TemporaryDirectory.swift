// Aerie — per-test temporary directories for the SQLite tests
// SPDX-License-Identifier: MIT
import Foundation

/// A fresh directory removed when the value is released, so tests never share a file.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("aerie-sqlite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path for `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
}
