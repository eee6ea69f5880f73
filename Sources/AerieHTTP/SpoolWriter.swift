// Aerie — the thread that writes spooled request bodies to disk, off the event loops
// SPDX-License-Identifier: MIT
import AerieBase
import CLinux
import Glibc

/// One request body on its way to a temporary file: the state a loop and a `SpoolWriter` share.
///
/// The descriptor, path, size and failure flag are touched only by the writer thread (the loop
/// never makes a file system call for a spooled body); the queue accounting is guarded by the
/// writer's lock.
final class SpoolUpload: @unchecked Sendable {  // `fd`, `path`, `size`, `failed`: writer thread only; the rest: `SpoolWriter.lock`
    let directory: String
    let connectionID: UInt64
    let inbox: LoopInbox

    // Writer thread only.
    fileprivate var fd: Int32 = -1
    fileprivate var path = ""
    fileprivate var size = 0
    fileprivate var failed = false

    // Guarded by the writer's lock.
    /// Bytes handed to the writer and not yet written.
    fileprivate var queuedBytes = 0
    /// The loop stopped reading this connection and waits for a `.spoolDrained` message.
    fileprivate var isPaused = false
    fileprivate var isCancelled = false
    /// The writer took the finish job: the file now belongs to the `SpooledBody` it posts.
    fileprivate var isFinished = false

    init(directory: String, connectionID: UInt64, inbox: LoopInbox) {
        self.directory = directory
        self.connectionID = connectionID
        self.inbox = inbox
    }

    /// A safety net: jobs dropped without a writer to run them (a stopped server) still leave
    /// no descriptor and no file behind.
    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }
}

/// How much spooled-body data is waiting for the disk (for tests and diagnostics).
package struct SpoolStatistics: Sendable {
    /// Bytes queued and not yet written, across all uploads.
    package var queuedBytes = 0
    /// The most bytes ever queued for a single upload at once.
    package var peakUploadQueuedBytes = 0
    /// Uploads whose connection is paused for backpressure right now.
    package var pausedUploads = 0
    /// How many times an upload was paused for backpressure since the server started.
    package var pauses = 0
}

/// A thread that performs every file system call of spooled request bodies (create, write, close,
/// unlink), fed by the event loops through a FIFO, so a slow or throttled disk stalls only the
/// uploads and never a loop.
///
/// An upload always goes to the same writer, so its chunks are written in order. The queue is
/// bounded by backpressure: when an upload has more than `highWater` bytes queued, or the writer
/// more than `queueLimit`, `enqueue` tells the loop to stop reading that connection; the writer
/// posts `.spoolDrained` to the loop's inbox once the upload is at or below `lowWater` and the
/// writer at or below half of `queueLimit`.
final class SpoolWriter: @unchecked Sendable {  // `queue`, `head`, `idle`, `isStopping`, `statistics`, `paused` and every upload's accounting are guarded by `lock`
    private enum Job {
        case write(SpoolUpload, [UInt8])
        case finish(SpoolUpload)
        case discard(SpoolUpload)

        var upload: SpoolUpload {
            switch self {
            case .write(let upload, _), .finish(let upload), .discard(let upload): upload
            }
        }
    }

    private let lock = ConditionLock()
    /// FIFO from `head`; taken slots are set to `nil` at once, so a written chunk's memory is
    /// freed when its write is done, not when the queue is next compacted.
    private var queue: [Job?] = []
    private var head = 0
    private var idle = 0
    private var isStopping = false
    private var thread: OSThread?
    private var statistics = SpoolStatistics()
    private var paused: [SpoolUpload] = []

    private let highWater: Int
    private let lowWater: Int
    private let queueLimit: Int
    /// Called on the writer thread before each write (tests use it to make the disk slow).
    private let writeHook: (@Sendable (Int) -> Void)?

    init(highWater: Int, lowWater: Int, queueLimit: Int, writeHook: (@Sendable (Int) -> Void)?) {
        self.highWater = max(1, highWater)
        self.lowWater = min(max(0, lowWater), self.highWater)
        self.queueLimit = max(self.highWater, queueLimit)
        self.writeHook = writeHook
    }

    func start(name: String) throws(SystemError) {
        let thread = try OSThread(name: name) { [self] in run() }
        lock.lock(); self.thread = thread; lock.unlock()
    }

    /// Runs what is queued (discards included, so no file is left behind), then joins the thread.
    func stop() {
        lock.lock()
        isStopping = true
        let thread = self.thread
        self.thread = nil
        lock.unlock()
        lock.broadcast()
        thread?.join()
    }

    var currentStatistics: SpoolStatistics {
        lock.lock(); defer { lock.unlock() }
        return statistics
    }

    // MARK: - Loop side

    /// Queues body bytes for `upload`; returns `true` when the loop must stop reading the connection
    /// until a `.spoolDrained` message arrives.
    func enqueue(_ upload: SpoolUpload, _ bytes: [UInt8]) -> Bool {
        lock.lock()
        guard !upload.isCancelled, !upload.isFinished else { lock.unlock(); return false }
        append(.write(upload, bytes))
        upload.queuedBytes += bytes.count
        statistics.queuedBytes += bytes.count
        statistics.peakUploadQueuedBytes = max(statistics.peakUploadQueuedBytes, upload.queuedBytes)
        let pause = upload.queuedBytes > highWater || statistics.queuedBytes > queueLimit
        if pause && !upload.isPaused {
            upload.isPaused = true
            paused.append(upload)
            statistics.pausedUploads = paused.count
            statistics.pauses += 1
        }
        let wake = idle > 0
        lock.unlock()
        if wake { lock.signal() }
        return pause
    }

    /// Queues the end of the body: after the writes before it, the file is closed and a
    /// `.spoolFinished` message carries it (or `nil` after a failure) to the loop.
    func finish(_ upload: SpoolUpload) {
        lock.lock()
        guard !upload.isCancelled, !upload.isFinished else { lock.unlock(); return }
        append(.finish(upload))
        let wake = idle > 0
        lock.unlock()
        if wake { lock.signal() }
    }

    /// Drops the upload's queued jobs (and their memory) at once and queues the removal of its
    /// file; nothing is posted back. A no-op once the finished file was handed over.
    func cancel(_ upload: SpoolUpload) {
        lock.lock()
        guard !upload.isCancelled, !upload.isFinished else { lock.unlock(); return }
        upload.isCancelled = true
        let before = statistics.queuedBytes
        var kept: [Job?] = []
        kept.reserveCapacity(queue.count - head)
        for case let job? in queue[head...] {
            if job.upload === upload {
                if case .write(_, let bytes) = job { statistics.queuedBytes -= bytes.count }
            } else {
                kept.append(job)
            }
        }
        queue = kept
        head = 0
        upload.queuedBytes = 0
        unpause(upload)
        append(.discard(upload))
        let wakes = uploadsToWake(after: upload, previousTotal: before)
        let wake = idle > 0
        lock.unlock()
        if wake { lock.signal() }
        for waking in wakes { waking.inbox.post(.spoolDrained(connectionID: waking.connectionID)) }
    }

    // MARK: - Writer thread

    private func append(_ job: Job) {
        queue.append(job)
    }

    private func unpause(_ upload: SpoolUpload) {
        guard upload.isPaused else { return }
        upload.isPaused = false
        if let index = paused.firstIndex(where: { $0 === upload }) { paused.remove(at: index) }
        statistics.pausedUploads = paused.count
    }

    /// Paused uploads that may read again (lock held): `upload` when it fell to the low-water mark,
    /// and every paused upload at or below it when the writer's total fell to half its limit.
    private func uploadsToWake(after upload: SpoolUpload, previousTotal: Int) -> [SpoolUpload] {
        let globalLow = queueLimit / 2
        guard statistics.queuedBytes <= globalLow else { return [] }
        var wakes: [SpoolUpload] = []
        if previousTotal > globalLow {
            for candidate in paused where candidate.queuedBytes <= lowWater { wakes.append(candidate) }
        } else if upload.isPaused && upload.queuedBytes <= lowWater {
            wakes.append(upload)
        }
        for waking in wakes { unpause(waking) }
        return wakes
    }

    private func run() {
        while true {
            lock.lock()
            while head == queue.count && !isStopping {
                idle += 1
                lock.wait()
                idle -= 1
            }
            if head == queue.count { lock.unlock(); return }  // stopping and drained
            let taken = queue[head]
            queue[head] = nil
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64 && head * 2 >= queue.count {
                queue.removeSubrange(0..<head)
                head = 0
            }
            guard let job = taken else { lock.unlock(); continue }
            if case .finish(let upload) = job { upload.isFinished = true }
            lock.unlock()
            perform(job)
        }
    }

    private func perform(_ job: Job) {
        switch job {
        case .write(let upload, let bytes):
            lock.lock(); let isCancelled = upload.isCancelled; lock.unlock()
            if !isCancelled {
                writeHook?(bytes.count)
                write(upload, bytes)
            }
            lock.lock()
            let before = statistics.queuedBytes
            statistics.queuedBytes -= bytes.count
            // A cancel in the meantime already zeroed the upload's own count.
            if !upload.isCancelled { upload.queuedBytes -= bytes.count }
            let wakes = uploadsToWake(after: upload, previousTotal: before)
            lock.unlock()
            for waking in wakes { waking.inbox.post(.spoolDrained(connectionID: waking.connectionID)) }
        case .finish(let upload):
            lock.lock(); unpause(upload); lock.unlock()
            open(upload)
            var body: SpooledBody?
            if upload.fd >= 0 { close(upload.fd) }
            upload.fd = -1
            if upload.failed {
                if !upload.path.isEmpty { unlink(upload.path) }
            } else {
                body = SpooledBody(path: upload.path, size: upload.size)
            }
            upload.inbox.post(.spoolFinished(connectionID: upload.connectionID, body))
        case .discard(let upload):
            if upload.fd >= 0 {
                close(upload.fd)
                unlink(upload.path)
            }
            upload.fd = -1
        }
    }

    /// Creates the upload's temporary file on first use; marks the upload failed when it cannot.
    private func open(_ upload: SpoolUpload) {
        guard upload.fd < 0, upload.path.isEmpty, !upload.failed else { return }
        for _ in 0..<8 {
            let candidate = upload.directory + "/aerie-body-" + RandomID.make(length: 20)
            let descriptor = Glibc.open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                upload.fd = descriptor
                upload.path = candidate
                return
            }
            if aerie_errno() != EEXIST { break }
        }
        upload.failed = true
    }

    /// Appends bytes to the upload's file; a failure (disk full…) marks it failed and later
    /// writes are skipped, so the request is answered 500 at its end.
    private func write(_ upload: SpoolUpload, _ bytes: [UInt8]) {
        open(upload)
        guard !upload.failed else { return }
        if FileDescriptor.writeAll(upload.fd, bytes) { upload.size += bytes.count } else { upload.failed = true }
    }
}
