// Aerie — a real server on an ephemeral loopback port, for black-box tests
// SPDX-License-Identifier: MIT
import AerieAPI
import AerieBase
public import AerieCore
public import AerieHTTP
public import AerieJSON
#if canImport(Glibc)
import Glibc
#endif

/// A response as a black-box test sees it.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body parsed as JSON (`.null` when it is not JSON).
    public var json: JSON { (try? JSONParser.parse(body)) ?? .null }
    /// The first value of a header, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
    /// The `code` of a field issue in an error envelope.
    public func code(_ field: String) -> String? { json["data"]?[field]?["code"]?.stringValue }
}

/// Starts `App` + `HTTPServer` on `127.0.0.1:0` in a fresh temporary directory, and talks
/// to it over real sockets with `RawHTTPClient`.
///
/// ```swift
/// let server = try TestServer(schema: #"{"collections":[{"name":"posts","fields":[…],"listRule":""}]}"#)
/// defer { server.stop() }
/// let r = try server.request("GET", "/api/collections/posts/records")
/// #expect(r.status == 200)
/// ```
public final class TestServer: @unchecked Sendable {  // used from one test at a time; no shared mutation after init
    public let app: App
    public let server: HTTPServer
    public let port: Int
    public let directory: String
    /// Publishes record events that other processes (`aerie records import`) queue in the outbox.
    public let outbox: OutboxTailer
    public static let superuserEmail = "admin@example.com"
    public static let superuserPassword = "admin-password-123"
    private var cachedToken: String?

    /// Starts a server with the given schema file text. The superuser is created on first use
    /// (`ensureSuperuser`, `superuserToken`), since hashing its password costs real time.
    public init(schema: String, configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        var template = Array("/tmp/aerie-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CoreError.internal(detail: "mkdtemp failed")
        }
        directory = String(cString: made)
        // Schema steps are logged at info level for every server; tests only want warnings.
        Log.setLevel(.warning)
        let parsed = try SchemaLoader.load(Array(schema.utf8), file: "test-schema.json")
        app = try App.open(directory: directory, schema: parsed, readerCount: 4)
        let responder = APIResponder(app: app)
        outbox = try OutboxTailer(app: app, broker: responder.realtime)
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1
        config.workerCount = 4
        config.bodyLimit = { method, path in responder.bodyLimit(method: method, path: path) }
        config.bodySpool = { method, path, headers in responder.bodySpool(method: method, path: path, headers: headers) }
        configure(&config)
        server = HTTPServer(configuration: config, responder: responder)
        port = try server.start()
    }

    /// Stops the server, closes the database and removes the directory.
    public func stop() {
        server.shutdown(gracePeriod: .seconds(5))
        server.waitUntilStopped()
        outbox.stop()
        app.close()
        _ = system("rm -rf '\(directory)'")
    }

    /// One request on a fresh connection.
    public func request(_ method: String, _ path: String, json: JSON? = nil, body: String? = nil,
                        contentType: String? = nil, token: String? = nil, headers: [(String, String)] = []) throws -> TestResponse {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        var all = headers
        var bytes: [UInt8]?
        if let json {
            bytes = json.serialized()
            all.append(("Content-Type", contentType ?? "application/json"))
        } else if let body {
            bytes = Array(body.utf8)
            if let contentType { all.append(("Content-Type", contentType)) }
        }
        if let token { all.append(("Authorization", token)) }
        let r = try client.request(method, path, headers: all, body: bytes)
        return TestResponse(status: r.status, headers: r.headers, body: r.body)
    }

    private var hasSuperuser = false

    /// Creates the test superuser if it does not exist yet.
    public func ensureSuperuser() throws {
        if hasSuperuser { return }
        try app.createSuperuser(email: TestServer.superuserEmail, password: TestServer.superuserPassword)
        hasSuperuser = true
    }

    /// A superuser token (logged in once per server).
    public func superuserToken() throws -> String {
        if let cachedToken { return cachedToken }
        try ensureSuperuser()
        let r = try request("POST", "/api/collections/_superusers/auth-with-password",
                            json: ["identity": .string(TestServer.superuserEmail), "password": .string(TestServer.superuserPassword)])
        guard r.status == 200, let token = r.json["token"]?.stringValue else {
            throw CoreError.internal(detail: "superuser login failed: \(r.status) \(r.text)")
        }
        cachedToken = token
        return token
    }
}
