// Aerie — aerie serve
// SPDX-License-Identifier: MIT
import AerieAPI
import AerieBase
import AerieCore
import AerieHTTP
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `aerie serve`: applies the schema's safe changes and serves the API until SIGINT/SIGTERM.
struct ServeCommand: Command {
    static let name = "serve"
    static let abstract = "Start the API server"
    static let usage = """
        Usage: aerie serve [--http 127.0.0.1:8090] [--dir ./aerie_data] [--schema ./schema.json] [--origins *] [--quiet]

        Options:
          --http HOST:PORT   Address to listen on (default 127.0.0.1:8090; port 0 picks a free port)
          --dir DIR          Data directory (default ./aerie_data)
          --schema FILE      Schema file (default ./schema.json; the built-in starter schema when absent)
          --origins LIST     Comma-separated CORS origins (default: setting cors.origins, *)
          --quiet            No access log
        """

    var host = "127.0.0.1"
    var port = 8090
    var directory = "./aerie_data"
    var schemaPath: String?
    var origins: [String]?
    var quiet = false

    init(arguments: inout Arguments) throws {
        if let http = try arguments.option("http") {
            guard let colon = http.lastIndex(of: ":"), let p = Int(http[http.index(after: colon)...]), (0...65535).contains(p) else {
                throw UsageError("--http must look like 127.0.0.1:8090")
            }
            host = String(http[..<colon])
            if host.isEmpty { host = "0.0.0.0" }
            port = p
        }
        if let dir = try arguments.option("dir") { directory = dir }
        schemaPath = try arguments.option("schema")
        if let list = try arguments.option("origins") {
            let parsed = list.split(separator: ",").map { $0.trimmingASCII(" ") }.filter { !$0.isEmpty }
            if parsed.isEmpty { throw UsageError("--origins needs at least one origin") }
            origins = parsed
        }
        quiet = try arguments.flag("quiet")
    }

    func run() throws {
        let started = Timestamp.now()
        // Block SIGINT/SIGTERM before any thread exists, so every loop and worker thread inherits
        // the mask: a signal then stays pending until the Dispatch signal source below (signalfd
        // on Linux) takes it. Without this, a signal that lands on a thread with the signal
        // unblocked while its disposition is SIG_IGN is discarded and the server never stops.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        MemoryPolicy.applyServerDefaults()
        let (schema, source) = try SchemaSource.load(explicitPath: schemaPath)
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        // Workers block on SQLite; more of them than cores lets concurrent writes share one group
        // commit, but too many slow reads down (2 cores: 4 workers 8.7k creates/s + 46.7k views/s, 8 workers
        // 9.4k + 44.4k, 16 workers 9.5k + 32.6k). Each worker
        // can hold a reader, so readers match workers.
        var workers = max(8, cores * 4)
        if let text = getenv("AERIE_WORKERS").map({ String(cString: $0) }), let n = Int(text), (1...1024).contains(n) { workers = n }
        // Held (shared) while serving: `aerie backup restore` and `aerie schema apply` refuse to run meanwhile.
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory: directory, exclusive: false) } catch { throw CommandFailure("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        let app: App
        do {
            app = try App.open(directory: directory, schema: schema, readerCount: workers, environment: processEnvironment())
        } catch let error as StartupError {
            throw CommandFailure(error.description)
        }
        let settings = app.settings.current
        Log.setLevel(settings.logLevel)
        // Tuning knob like AERIE_WORKERS (docs/configuration.md): the list-query time limit.
        if let text = getenv("AERIE_QUERY_TIME_LIMIT_MS").map({ String(cString: $0) }), let n = Int(text), n >= 0 {
            app.records.queryTimeLimitMilliseconds = n
        }
        let responder = APIResponder(app: app, cors: CORSPolicy(allowedOrigins: origins ?? settings.list("cors.origins")),
                                     batch: BatchSettings(settings))
        // Record events that `aerie records import` queues while this server runs (EventOutbox).
        let outbox: OutboxTailer
        do { outbox = try OutboxTailer(app: app, broker: responder.realtime) } catch { app.close(); throw CommandFailure("\(error)") }
        var config = HTTPServerConfiguration()
        config.host = host
        config.port = port
        config.loopCount = max(1, cores)
        config.workerCount = workers
        // Tuning knob for operators and benchmarks (docs/configuration.md), like AERIE_WORKERS.
        if let text = getenv("AERIE_LOOPS").map({ String(cString: $0) }), let n = Int(text), (1...256).contains(n) { config.loopCount = n }
        config.bodyLimit = { method, path in responder.bodyLimit(method: method, path: path) }
        config.bodySpool = { method, path, headers in responder.bodySpool(method: method, path: path, headers: headers) }
        if !quiet {
            config.accessLog = { entry in
                let ms = Double(entry.duration.components.attoseconds) / 1e15 + Double(entry.duration.components.seconds) * 1000
                let rounded = (ms * 100).rounded() / 100
                printOut("\(Timestamp.now().formatted) \(entry.remoteAddress) \(entry.method) \(entry.path) \(entry.status) \(entry.bytes)B \(rounded)ms")
            }
        }
        let server = HTTPServer(configuration: config, responder: responder)
        let bound: Int
        do {
            bound = try server.start()
        } catch {
            outbox.stop()
            app.close()
            throw CommandFailure("cannot listen on \(host):\(port): \(error)")
        }
        // Take over SIGINT/SIGTERM before announcing readiness: whoever waits for the line below
        // may signal at once.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "aerie.signals")
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                printErr("aerie: shutting down (finishing in-flight requests)")
                server.shutdown(gracePeriod: .seconds(10))
            }
            source.resume()
            return source
        }
        let elapsed = Timestamp.now().milliseconds - started.milliseconds
        printErr("aerie \(aerieVersion) serving http://\(host):\(bound)/api/ from \(directory) using \(source) (ready in \(elapsed) ms)")
        server.waitUntilStopped()
        sources.forEach { $0.cancel() }
        // Mail queued by the last requests (verification, reset, OTP) is still delivered.
        if !app.mailer.waitUntilIdle(seconds: 10) { printErr("aerie: some queued mail was not sent") }
        outbox.stop()
        app.close()
        printErr("aerie: stopped")
    }
}
