// Aerie — templates embedded in the binary at build time
// SPDX-License-Identifier: MIT
import AerieBase

/// Read-only access to the files of the package's `Templates/` folder (starter schemas,
/// mail templates), compiled into the binary so that one file is all a deployment needs.
public enum Templates {
    /// Relative paths of every embedded file, sorted (`schemas/starter.json`, …).
    public static var paths: [String] { embeddedTemplateFiles.map(\.path) }

    /// The bytes of one embedded file, or `nil` when no such file was embedded.
    public static func bytes(at path: String) -> [UInt8]? {
        guard let entry = embeddedTemplateFiles.first(where: { $0.path == path }) else { return nil }
        return Base64.decode(entry.base64)
    }

    /// The text of one embedded file, decoded as UTF-8.
    public static func text(at path: String) -> String? {
        bytes(at: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
