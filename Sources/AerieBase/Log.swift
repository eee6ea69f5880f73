// Aerie — minimal leveled logger writing lines to stderr
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide log sink. Lines go to stderr in one `write(2)` each, so lines from
/// different threads never interleave.
public enum Log {
    /// Severity, lowest first.
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }
    }

    private static let minimum = Locked(Level.info)

    /// Sets the lowest level that is written.
    public static func setLevel(_ level: Level) { minimum.withLock { $0 = level } }

    /// Whether a message at `level` would be written.
    public static func isEnabled(_ level: Level) -> Bool { level >= minimum.value }

    /// Writes one line when `level` is enabled.
    public static func write(_ level: Level, _ message: @autoclosure () -> String) {
        guard isEnabled(level) else { return }
        var line = Timestamp.now().formatted
        line += " \(level.label) "
        line += message()
        line += "\n"
        FileDescriptor.writeAll(2, Array(line.utf8))
    }

    public static func debug(_ m: @autoclosure () -> String) { write(.debug, m()) }
    public static func info(_ m: @autoclosure () -> String) { write(.info, m()) }
    public static func warning(_ m: @autoclosure () -> String) { write(.warning, m()) }
    public static func error(_ m: @autoclosure () -> String) { write(.error, m()) }
}
