// Aerie — writing a whole buffer to a file descriptor
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// Plain `write(2)` loops that every file writer needs, in one place.
public enum FileDescriptor {
    /// Writes all of `bytes` to `fd`, continuing after short writes and EINTR.
    /// - Returns: false when a write fails (`errno` tells why) or writes nothing.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// `writeAll(_:_:)` for an array.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }
}
