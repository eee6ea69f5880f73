// Aerie — the fixed pool of threads that run the responder
// SPDX-License-Identifier: MIT

/// A request handed from a loop to the workers.
struct Job: Sendable {
    var request: HTTPRequest
    var connectionID: UInt64
    var inbox: LoopInbox
    var receivedAt: ContinuousClock.Instant
}

/// W threads taking jobs from one bounded FIFO (NIO's `NIOThreadPool`). Submitting never blocks:
/// a full queue is reported to the loop, which answers 503.
final class WorkerPool: @unchecked Sendable {  // `queue`, `head`, `count`, `idle`, `isStopping` are guarded by `lock`
    private let lock = ConditionLock()
    private var queue: [Job?]
    private var head = 0
    private var count = 0
    private var idle = 0
    private var isStopping = false
    private var threads: [OSThread] = []
    private let responder: any HTTPResponder
    private let accessLog: (@Sendable (AccessLogEntry) -> Void)?

    init(capacity: Int, responder: any HTTPResponder, accessLog: (@Sendable (AccessLogEntry) -> Void)?) {
        queue = Array(repeating: nil, count: max(1, capacity))
        self.responder = responder
        self.accessLog = accessLog
    }

    func start(threadCount: Int) throws(SystemError) {
        for i in 0..<max(1, threadCount) {
            let thread = try OSThread(name: "aerie-worker-\(i)") { [self] in run() }
            lock.lock(); threads.append(thread); lock.unlock()
        }
    }

    /// Queues a job; `false` when the queue is full.
    func submit(_ job: Job) -> Bool {
        lock.lock()
        guard count < queue.count, !isStopping else { lock.unlock(); return false }
        queue[(head + count) % queue.count] = job
        count += 1
        let wake = idle > 0
        lock.unlock()
        // Signalling after unlocking avoids waking a worker straight into a held mutex.
        if wake { lock.signal() }
        return true
    }

    /// Lets queued jobs finish, then stops and joins every worker.
    func stop() {
        lock.lock()
        isStopping = true
        let all = threads
        threads = []
        lock.unlock()
        lock.broadcast()
        for thread in all { thread.join() }
    }

    private func run() {
        while true {
            lock.lock()
            while count == 0 && !isStopping {
                idle += 1
                lock.wait()
                idle -= 1
            }
            if count == 0 { lock.unlock(); return }  // stopping and drained
            let job = queue[head]
            queue[head] = nil
            head = (head + 1) % queue.count
            count -= 1
            lock.unlock()
            guard let job else { continue }
            let response = responder.respond(to: job.request)
            if let accessLog {
                let request = job.request
                accessLog(AccessLogEntry(method: request.method.rawValue, path: request.path, status: response.status.code,
                                         bytes: response.file?.length ?? response.body.count, duration: ContinuousClock.now - job.receivedAt,
                                         remoteAddress: request.remoteAddress))
            }
            job.inbox.post(.response(connectionID: job.connectionID, response))
        }
    }
}
