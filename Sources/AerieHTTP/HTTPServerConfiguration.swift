// Aerie — server configuration
// SPDX-License-Identifier: MIT
import Glibc

/// Everything `HTTPServer` can be tuned with. Defaults follow PocketBase's limits (spec §15.3).
public struct HTTPServerConfiguration: Sendable {
    /// The address to bind.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 picks an ephemeral port (read it back from `HTTPServer.start()`).
    public var port: Int = 8090
    /// Event-loop threads, each with its own epoll instance and `SO_REUSEPORT` listener.
    public var loopCount: Int = HTTPServerConfiguration.activeCores
    /// Worker threads running the responder.
    public var workerCount: Int = max(4, 2 * HTTPServerConfiguration.activeCores)
    /// Requests waiting for a worker; when full the loop answers 503 with `Retry-After: 1`.
    public var workQueueCapacity: Int = 4096
    /// Longest request-target (→ 414).
    public var maxRequestTargetBytes: Int = 8192
    /// Largest header block (→ 431).
    public var maxHeaderBytes: Int = 32 << 10
    /// Most header fields (→ 431).
    public var maxHeaderCount: Int = 100
    /// Default body limit (→ 413).
    public var maxBodyBytes: Int = 32 << 20
    /// Per-request body limit from method and decoded path; overrides `maxBodyBytes`.
    public var bodyLimit: (@Sendable (HTTPMethod, String) -> Int)? = nil
    /// A directory to stream a request's body into (from method, decoded path and headers)
    /// instead of memory; `nil` keeps it in `HTTPRequest.body`. See `SpooledBody`.
    public var bodySpool: (@Sendable (HTTPMethod, String, HTTPHeaders) -> String?)? = nil
    /// Threads writing spooled bodies to disk (an upload always uses the same one, round-robin).
    public var spoolWriterCount: Int = 1
    /// Bytes of one upload queued for its spool writer above which the loop stops reading that
    /// connection (backpressure); it reads again at `spoolLowWaterBytes`.
    public var spoolHighWaterBytes: Int = 1 << 20
    /// See `spoolHighWaterBytes`.
    public var spoolLowWaterBytes: Int = 256 << 10
    /// Bytes queued per spool writer, all uploads together, above which uploads pause too; they
    /// resume at half of it.
    public var spoolQueueLimitBytes: Int = 8 << 20
    /// Called on a spool writer thread before each write with its size (tests make the disk slow).
    package var spoolWriteHook: (@Sendable (Int) -> Void)? = nil
    /// From the first byte of a request to the end of its head; then the connection closes (slow-loris).
    public var headerReadTimeout: Duration = .seconds(60)
    /// From the end of the head to the end of the body.
    public var bodyReadTimeout: Duration = .seconds(300)
    /// How long a keep-alive connection may sit idle between requests.
    public var idleTimeout: Duration = .seconds(300)
    /// How long a response may take to be accepted by a slow reader.
    public var writeTimeout: Duration = .seconds(300)
    /// Open connections across all loops; beyond this new connections are accepted and closed.
    public var maxConnections: Int = 65536
    /// Called once per response, on a worker thread (or the loop thread for server-generated errors);
    /// keep it short.
    public var accessLog: (@Sendable (AccessLogEntry) -> Void)? = nil

    /// The defaults.
    public init() {}

    /// Processors this process may run on.
    static var activeCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    var parserLimits: RequestParser.Limits {
        var limits = RequestParser.Limits()
        limits.maxRequestTargetBytes = maxRequestTargetBytes
        limits.maxHeaderBytes = maxHeaderBytes
        limits.maxHeaderCount = maxHeaderCount
        limits.maxBodyBytes = maxBodyBytes
        limits.bodyLimit = bodyLimit
        return limits
    }
}
