// Aerie — Ctrl-C handling and all-or-nothing output files for the admin commands
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Makes SIGINT/SIGTERM remove every registered temporary file before the process exits
/// with 130, so an interrupted command leaves nothing half-written. An open SQLite write
/// transaction needs no help: it is rolled back the next time the database is opened.
enum Interruption {
    /// Call once, before any work, from the thread that does the command's work (the main
    /// thread): that thread is parked before the temporary files are removed, so it cannot
    /// create one (SQLite's journal, say) between the removal and the exit.
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let worker = pthread_self()
        _ = interruptParked  // initialised here: the handler must not run a lazy initialiser
        var park = sigaction()
        park.__sigaction_handler.sa_handler = { _ in
            interruptParked.pointee = 1
            while true { pause() }
        }
        sigemptyset(&park.sa_mask)
        sigaction(SIGUSR2, &park, nil)
        let queue = DispatchQueue(label: "aerie.interrupt")
        for sig in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                // Park the worker (a signal handler runs once its current system call has
                // returned), wait up to a second for it to say so, then clean up.
                if pthread_kill(worker, SIGUSR2) == 0 {
                    for _ in 0..<1000 where interruptParked.pointee == 0 { usleep(1000) }
                }
                TemporaryFiles.shared.removeAll()
                printErr("aerie: interrupted; nothing was changed")
                _exit(130)
            }
            source.resume()
            sources.withLock { $0.append(source) }
        }
    }

    /// Keeps the signal sources alive for the life of the process.
    private static let sources = SourceList()
}

/// Set by the worker thread's SIGUSR2 handler once it is parked (a plain store is
/// async-signal-safe; the interrupt thread polls it).
nonisolated(unsafe) let interruptParked: UnsafeMutablePointer<sig_atomic_t> = {
    let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

/// The installed signal sources.
// @unchecked Sendable: `list` is only touched while holding `lock`.
final class SourceList: @unchecked Sendable {
    private var list: [any DispatchSourceSignal] = []
    private let lock = PthreadMutex()
    func withLock(_ body: (inout [any DispatchSourceSignal]) -> Void) { lock.lock(); body(&list); lock.unlock() }
}

/// A pthread mutex.
// @unchecked Sendable: the mutex itself is the synchronisation.
final class PthreadMutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}

/// Writes a whole file under a temporary name, flushes it and renames it into place, so the
/// target holds either its old contents or the complete new ones.
enum OutputFile {
    /// Writes `text` to `path` atomically.
    static func write(_ text: String, to path: String) throws {
        let temporary = try open(for: path)
        do {
            try temporary.write(Array(text.utf8))
            try temporary.commit()
        } catch {
            temporary.discard()
            throw error
        }
    }

    /// Starts writing `path`: returns a writer on `<path>.tmp-<random>`.
    static func open(for path: String) throws -> Writer {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandFailure("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        TemporaryFiles.shared.register(temporary)
        return Writer(fd: fd, temporary: temporary, path: path)
    }

    /// An output file being written; buffered in 256 KiB chunks.
    final class Writer {
        let fd: Int32
        let temporary: String
        let path: String
        private var buffer: [UInt8] = []
        private var isClosed = false

        init(fd: Int32, temporary: String, path: String) {
            self.fd = fd; self.temporary = temporary; self.path = path
            buffer.reserveCapacity(1 << 18)
        }

        deinit { if !isClosed { discard() } }

        func write(_ bytes: [UInt8]) throws {
            buffer += bytes
            if buffer.count >= 1 << 18 { try flush() }
        }

        func flush() throws {
            guard FileDescriptor.writeAll(fd, buffer) else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Flushes, syncs and renames the file into place.
        func commit() throws {
            try flush()
            guard fsync(fd) == 0 else { throw CommandFailure("cannot flush \(path): \(String(cString: strerror(errno)))") }
            close(fd)
            isClosed = true
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                TemporaryFiles.shared.unregister(temporary)
                throw CommandFailure("cannot write \(path): \(reason)")
            }
            TemporaryFiles.shared.unregister(temporary)
        }

        /// Removes the temporary file.
        func discard() {
            if !isClosed { close(fd); isClosed = true }
            unlink(temporary)
            TemporaryFiles.shared.unregister(temporary)
        }
    }
}
