// Aerie — the HTTP/1.1 server: listeners, event loops and workers
// SPDX-License-Identifier: MIT
import AerieBase
import CLinux
import Glibc
import Synchronization

/// An HTTP/1.1 server: L event-loop threads (one epoll + `SO_REUSEPORT` listener each) own the
/// sockets, W worker threads run the responder.
///
/// ```swift
/// let server = HTTPServer(configuration: config, responder: router)
/// let port = try server.start()
/// // … later, e.g. from a SIGTERM DispatchSource:
/// server.shutdown(gracePeriod: .seconds(10))
/// ```
public final class HTTPServer: Sendable {
    private enum Phase { case idle, running, stopping, stopped }

    private struct State: ~Copyable {
        var phase = Phase.idle
        var port = 0
        var inboxes: [LoopInbox] = []
        var loopThreads: [OSThread] = []
        var pool: WorkerPool?
        var spoolWriters: [SpoolWriter] = []
    }

    private let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let state = Mutex(State())
    private let stoppedLatch = Latch()

    /// A server that is not yet listening.
    public init(configuration: HTTPServerConfiguration, responder: some HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
    }

    /// The bound port (0 before `start()`).
    public var port: Int { state.withLock { $0.port } }

    /// Binds the listeners (raising `RLIMIT_NOFILE` soft to hard first), starts loops and workers and
    /// returns the bound port. Calling it again while running returns the same port.
    /// - Throws: `SystemError` when binding or creating threads fails; nothing is left running then.
    @discardableResult
    public func start() throws -> Int {
        try state.withLock { state throws(SystemError) -> Int in
            switch state.phase {
            case .running: return state.port
            case .stopping, .stopped: throw SystemError(EINVAL, "start after shutdown")
            case .idle: break
            }
            Self.raiseDescriptorLimit()
            let c = configuration
            let loopCount = max(1, c.loopCount)
            var listeners: [Int32] = []
            var epolls: [Int32] = []
            var inboxes: [LoopInbox] = []
            let pool = WorkerPool(capacity: c.workQueueCapacity, responder: responder, accessLog: c.accessLog)
            let spoolWriters = (0..<max(1, c.spoolWriterCount)).map { _ in
                SpoolWriter(highWater: c.spoolHighWaterBytes, lowWater: c.spoolLowWaterBytes,
                            queueLimit: c.spoolQueueLimitBytes, writeHook: c.spoolWriteHook)
            }
            do throws(SystemError) {
                var port = c.port
                // SO_REUSEPORT would let a second server (say, `aerie serve` started twice) join the
                // port and silently take half the connections. A probe bind without it fails with
                // EADDRINUSE when anything already listens there, so that case is refused instead.
                if port != 0 { close(try Self.makeListener(host: c.host, port: port, reusePort: false)) }
                for _ in 0..<loopCount {
                    let fd = try Self.makeListener(host: c.host, port: port)
                    listeners.append(fd)
                    if port == 0 { port = try Self.boundPort(fd) }
                    epolls.append(try syscallBlocking("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) })
                    inboxes.append(try LoopInbox())
                }
                try pool.start(threadCount: c.workerCount)
                for (i, writer) in spoolWriters.enumerated() { try writer.start(name: "aerie-spool-\(i)") }
                let shared = ServerShared(configuration: c, pool: pool, spoolWriters: spoolWriters)
                var threads: [OSThread] = []
                for i in 0..<loopCount {
                    let (epollFD, listenFD, inbox) = (epolls[i], listeners[i], inboxes[i])
                    threads.append(try OSThread(name: "aerie-loop-\(i)") {
                        do {
                            let loop = try EventLoop(epollFD: epollFD, listenFD: listenFD, inbox: inbox, shared: shared)
                            loop.run()
                        } catch {
                            Log.error("event loop failed to start: \(error)")
                            close(listenFD)
                            close(epollFD)
                        }
                    })
                    // From here the loop thread owns these descriptors.
                    listeners[i] = -1
                    epolls[i] = -1
                }
                state.phase = .running
                state.port = port
                state.inboxes = inboxes
                state.loopThreads = threads
                state.pool = pool
                state.spoolWriters = spoolWriters
                return port
            } catch {
                for fd in listeners + epolls where fd >= 0 { close(fd) }
                pool.stop()
                for writer in spoolWriters { writer.stop() }
                throw error
            }
        }
    }

    /// Stops accepting, lets dispatched requests finish and their responses flush (up to
    /// `gracePeriod`), closes every connection and joins all threads. Idempotent and callable from
    /// any thread except a worker running this server's responder (it would wait for itself).
    public func shutdown(gracePeriod: Duration = .seconds(10)) {
        let taken = state.withLock { state -> (inboxes: [LoopInbox], threads: [OSThread], pool: WorkerPool?, spoolWriters: [SpoolWriter])? in
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return ([], [], nil, [])
            case .running:
                state.phase = .stopping
                let taken = (state.inboxes, state.loopThreads, state.pool, state.spoolWriters)
                state.inboxes = []; state.loopThreads = []; state.pool = nil; state.spoolWriters = []
                return taken
            case .stopping, .stopped:
                return nil
            }
        }
        guard let taken else {
            stoppedLatch.wait()
            return
        }
        let deadline = monotonicNanoseconds() + gracePeriod.nanoseconds
        for inbox in taken.inboxes { inbox.post(.stop(deadline: deadline)) }
        for thread in taken.threads { thread.join() }
        taken.pool?.stop()
        // After the loops: their closing connections queued the removal of unfinished spool files.
        for writer in taken.spoolWriters { writer.stop() }
        state.withLock { $0.phase = .stopped }
        stoppedLatch.open()
    }

    /// Spooled-body data waiting for the disk, summed over the spool writers (tests, diagnostics).
    package var spoolStatistics: SpoolStatistics {
        let writers = state.withLock { $0.spoolWriters }
        var total = SpoolStatistics()
        for writer in writers {
            let s = writer.currentStatistics
            total.queuedBytes += s.queuedBytes
            total.peakUploadQueuedBytes = max(total.peakUploadQueuedBytes, s.peakUploadQueuedBytes)
            total.pausedUploads += s.pausedUploads
            total.pauses += s.pauses
        }
        return total
    }

    /// Blocks until `shutdown` has completed.
    public func waitUntilStopped() { stoppedLatch.wait() }

    // MARK: - Sockets

    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        if getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
        }
    }

    private static var RLIMIT_NOFILE_VALUE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

    private static func makeListener(host: String, port: Int, reusePort: Bool = true) throws(SystemError) -> Int32 {
        guard (0...65535).contains(port) else { throw SystemError(EINVAL, "bind") }
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        let name = host == "localhost" ? "127.0.0.1" : (host.isEmpty ? "0.0.0.0" : host)
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            family = AF_INET
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                    sin.pointee.sin_addr = v4
                }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else if inet_pton(AF_INET6, name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name, &v6) == 1 {
            family = AF_INET6
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                    sin6.pointee.sin6_addr = v6
                }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            throw SystemError(EINVAL, "inet_pton(\(host))")
        }
        let fd = try syscallBlocking("socket") {
            socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        do throws(SystemError) {
            var one: Int32 = 1
            let size = socklen_t(MemoryLayout<Int32>.size)
            try syscallBlocking("setsockopt(SO_REUSEADDR)") { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size) }
            if reusePort {
                try syscallBlocking("setsockopt(SO_REUSEPORT)") { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, size) }
            }
            try syscallBlocking("bind") {
                withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            }
            try syscallBlocking("listen") { listen(fd, 4096) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) throws(SystemError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try syscallBlocking("getsockname") {
            withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { raw in
            if family == AF_INET6 {
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}

/// A one-shot gate threads can wait on.
final class Latch: @unchecked Sendable {  // `isOpen` is guarded by `lock`
    private let lock = ConditionLock()
    private var isOpen = false

    func open() {
        lock.lock(); isOpen = true; lock.unlock()
        lock.broadcast()
    }

    func wait() {
        lock.lock()
        while !isOpen { lock.wait() }
        lock.unlock()
    }
}
