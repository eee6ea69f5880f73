// Aerie — a small SMTP client (RFC 5321): plain, STARTTLS (RFC 3207) and implicit TLS (RFC 8314)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A failed SMTP exchange: the step, and the server's reply when there was one.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var code: Int
    public var reply: String
    public var description: String { code > 0 ? "SMTP \(step): \(code) \(reply)" : "SMTP \(step): \(reply)" }
}

/// How the connection is secured.
public enum SMTPSecurity: String, Sendable {
    /// STARTTLS when the server offers it, plain otherwise (PocketBase's behaviour with `tls: false`).
    case auto
    /// STARTTLS, refusing servers that do not offer it.
    case starttls
    /// TLS from the first byte (port 465).
    case implicit
    /// Never TLS (a local relay).
    case none
}

/// Where and how to deliver mail.
public struct SMTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username = ""
    public var password = ""
    /// `PLAIN` or `LOGIN`; empty picks PLAIN unless the server offers only LOGIN.
    public var authMethod = ""
    public var security = SMTPSecurity.auto
    /// The name sent in EHLO.
    public var localName = "localhost"
    /// Extra trusted CA certificates (PEM) for the server's certificate, besides the system's.
    public var caFile = ""
    /// Per read or write, and for connecting.
    public var timeoutSeconds = 30

    public init(host: String, port: Int) { self.host = host; self.port = port }
}

/// Delivers one message per connection: connect, EHLO, optional STARTTLS, optional AUTH,
/// MAIL/RCPT/DATA, QUIT. Blocking; run it off request threads.
///
/// AUTH is refused on a connection that is not encrypted unless the server is on loopback, so a
/// misconfigured `tlsMode` cannot leak the password.
public struct SMTPClient: Sendable {
    public var configuration: SMTPConfiguration

    public init(_ configuration: SMTPConfiguration) { self.configuration = configuration }

    /// Sends `message` to every address in `message.to`.
    public func send(_ message: MailMessage) throws {
        let connection = try SMTPConnection(configuration)
        defer { connection.close() }
        try connection.deliver(message)
    }
}

/// One SMTP session. Confined to the calling thread.
final class SMTPConnection {
    let config: SMTPConfiguration
    private let fd: Int32
    private var tls: TLSStream?
    private var buffer: [UInt8] = []
    private var extensions: [String] = []

    init(_ config: SMTPConfiguration) throws {
        self.config = config
        fd = try SMTPConnection.connect(host: config.host, port: config.port, timeoutSeconds: config.timeoutSeconds)
        do {
            if config.security == .implicit { try startTLS() }
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    func close() {
        tls?.close()
        tls = nil
        Glibc.close(fd)
    }

    func deliver(_ message: MailMessage) throws {
        try expect(reply(), 220, "greeting")
        try hello()
        if tls == nil && config.security != .none {
            if extensions.contains("STARTTLS") {
                try command("STARTTLS", 220, "STARTTLS")
                try startTLS()
                try hello()
            } else if config.security == .starttls {
                throw SMTPError(step: "STARTTLS", code: 0, reply: "the server does not offer STARTTLS (smtp.tlsMode is starttls)")
            }
        }
        if !config.username.isEmpty { try authenticate() }
        let eightBit = extensions.contains("8BITMIME") ? " BODY=8BITMIME" : ""
        try command("MAIL FROM:<\(SMTPConnection.clean(message.from.address))>\(eightBit)", 250, "MAIL FROM")
        for rcpt in message.to {
            let (code, text) = try exchange("RCPT TO:<\(SMTPConnection.clean(rcpt.address))>")
            guard code == 250 || code == 251 else { throw SMTPError(step: "RCPT TO", code: code, reply: text) }
        }
        try command("DATA", 354, "DATA")
        try write(SMTPConnection.dotStuffed(message.rendered()) + Array(".\r\n".utf8))
        try expect(reply(), 250, "end of DATA")
        _ = try? exchange("QUIT")
    }

    private func hello() throws {
        let name = config.localName.isEmpty ? "localhost" : SMTPConnection.clean(config.localName)
        let (code, text) = try exchange("EHLO \(name)")
        guard code == 250 else { throw SMTPError(step: "EHLO", code: code, reply: text) }
        extensions = text.split(separator: "\n").dropFirst().map { $0.uppercased() }
    }

    private func authenticate() throws {
        let isLoopback = ["127.0.0.1", "::1", "localhost"].contains(config.host)
        guard tls != nil || isLoopback else {
            throw SMTPError(step: "AUTH", code: 0, reply: "refusing to send credentials over an unencrypted connection; set smtp.tlsMode")
        }
        let offered = extensions.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }?.dropFirst(5).split(separator: " ").map(String.init) ?? []
        var method = config.authMethod.uppercased()
        if method.isEmpty { method = offered.contains("PLAIN") || !offered.contains("LOGIN") ? "PLAIN" : "LOGIN" }
        let user = Array(config.username.utf8), pass = Array(config.password.utf8)
        if method == "LOGIN" {
            try command("AUTH LOGIN", 334, "AUTH LOGIN")
            try command(Base64.encode(user), 334, "AUTH LOGIN user name", secret: true)
            try command(Base64.encode(pass), 235, "AUTH LOGIN password", secret: true)
        } else {
            try command("AUTH PLAIN " + Base64.encode([0] + user + [0] + pass), 235, "AUTH PLAIN", secret: true)
        }
    }

    // MARK: - Commands and replies

    private func command(_ line: String, _ expected: Int, _ step: String, secret: Bool = false) throws {
        let (code, text) = try exchange(line)
        guard code == expected else { throw SMTPError(step: step, code: code, reply: secret ? "authentication failed: \(text)" : text) }
    }

    private func exchange(_ line: String) throws -> (Int, String) {
        try write(Array((line + "\r\n").utf8))
        return try reply()
    }

    private func expect(_ r: (Int, String), _ expected: Int, _ step: String) throws {
        guard r.0 == expected else { throw SMTPError(step: step, code: r.0, reply: r.1) }
    }

    /// One (possibly multi-line) reply: the code and its text lines joined by "\n".
    private func reply() throws -> (Int, String) {
        var lines: [String] = []
        while true {
            let line = try readLine()
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
                throw SMTPError(step: "reply", code: 0, reply: "malformed reply \(line.prefix(80))")
            }
            lines.append(String(line.dropFirst(4)))
            if line.utf8.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return (code, lines.joined(separator: "\n")) }
            if lines.count > 100 { throw SMTPError(step: "reply", code: code, reply: "reply too long") }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if buffer.count > 8192 { throw SMTPError(step: "reply", code: 0, reply: "line too long") }
            let chunk = try read()
            if chunk.isEmpty { throw SMTPError(step: "reply", code: 0, reply: "connection closed by the server") }
            buffer += chunk
        }
    }

    // MARK: - Transport

    private func startTLS() throws {
        tls = try TLSStream(fd: fd, host: config.host, caFile: config.caFile)
        buffer = []
    }

    private func write(_ bytes: [UInt8]) throws {
        if let tls { try tls.write(bytes); return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SMTPError(step: "write", code: 0, reply: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    private func read() throws -> [UInt8] {
        if let tls { return try tls.read() }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SMTPError(step: "read", code: 0, reply: errno == EAGAIN ? "timed out" : String(cString: strerror(errno)))
            }
            return Array(chunk[0..<n])
        }
    }

    /// A blocking TCP socket connected to host:port, with send/receive (and, on Linux, connect) timeouts.
    static func connect(host: String, port: Int, timeoutSeconds: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SMTPError(step: "connect", code: 0, reply: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            lastError = String(cString: strerror(errno))
            Glibc.close(fd)
        }
        throw SMTPError(step: "connect", code: 0, reply: "cannot connect to \(host):\(port): \(lastError)")
    }

    /// RFC 5321 §4.5.2: a line starting with "." gets another one.
    static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var atLineStart = true
        for b in bytes {
            if atLineStart && b == UInt8(ascii: ".") { out.append(b) }
            out.append(b)
            atLineStart = b == 10
        }
        if out.last != 10 { out += [13, 10] }
        return out
    }

    /// Removes characters that could end an SMTP command line or address.
    static func clean(_ s: String) -> String {
        String(s.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" && $0 != "<" && $0 != ">" })
    }
}
