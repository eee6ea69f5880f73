// Aerie — process-wide allocator settings for the server
// SPDX-License-Identifier: MIT
import CLinux

/// Allocator settings a long-running server process applies once at start.
public enum MemoryPolicy {
    /// Fixes glibc's mmap threshold at 1 MiB for the life of the process.
    ///
    /// Each password hash allocates a 16 MiB scrypt buffer. By default glibc serves the first
    /// one with mmap, then raises its *dynamic* threshold to that size, so every later buffer
    /// comes from the allocating worker's arena and stays there after `free`: with 8–16
    /// workers a few dozen sign-ins left the idle server at ~200 MiB instead of ~30 MiB.
    /// Setting the threshold explicitly turns the dynamic adjustment off, so large buffers are
    /// always mmapped and returned to the system when freed.
    public static func applyServerDefaults() {
        _ = aerie_set_mmap_threshold(1 << 20)
    }
}
