// Aerie — test helpers for mail: the .eml outbox and a real SMTP server on loopback (aiosmtpd)
// SPDX-License-Identifier: MIT
import AerieCore
import AerieTesting
import Foundation
import Glibc
import Testing

/// What a test extracts from a mail.
struct ReceivedMail {
    var text: String

    /// The token at the end of the first `/_/#/auth/<action>/<token>` link.
    var token: String? {
        guard let match = text.firstMatch(of: #/#/auth/[a-z-]+/([A-Za-z0-9_.-]+)/#) else { return nil }
        return String(match.1)
    }

    /// The digits after "one-time password is: ".
    var otp: String? { text.firstMatch(of: #/password is: ([0-9]+)/#).map { String($0.1) } }

    /// The value of a header line.
    func header(_ name: String) -> String? {
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            if line.lowercased().hasPrefix(name.lowercased() + ":") { return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}

extension TestServer {
    /// Every `.eml` in `<dir>/mail/`, oldest first, once queued mail has been handled.
    func outbox() throws -> [ReceivedMail] {
        #expect(app.mailer.waitUntilIdle(seconds: 30), "mail queue did not drain")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: app.mailer.outbox)) ?? []
        return try names.filter { $0.hasSuffix(".eml") }.sorted().map {
            ReceivedMail(text: try String(contentsOfFile: app.mailer.outbox + "/" + $0, encoding: .utf8))
        }
    }
}

/// A real SMTP server (Tests/Mail/smtp_sink.py, aiosmtpd) on a free loopback port.
final class SMTPSink: @unchecked Sendable {  // `lines` guarded by `condition`
    /// Whether `python3 -c "import aiosmtpd"` works; SMTP tests are skipped otherwise.
    static let isAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import aiosmtpd"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
    static let skipMessage: Comment = "aiosmtpd is not installed: run `python3 -m pip install aiosmtpd` to test SMTP delivery"

    private(set) var port = 0
    /// The self-signed certificate the server presents (TLS modes).
    private(set) var caFile = "-"
    private let process = Process()
    private let out: String
    private var lines: [String] = []
    private let condition = NSCondition()

    init(tls: String = "none", auth: String = "", host: String = "127.0.0.1") throws {
        out = NSTemporaryDirectory() + "aerie-sink-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Mail/smtp_sink.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--tls", tls, "--out", out, "--host", host] + (auth.isEmpty ? [] : ["--auth", auth])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer += chunk
                while let nl = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer = Data(buffer[(nl + 1)...])
                    condition.lock(); lines.append(line); condition.broadcast(); condition.unlock()
                }
            }
        }
        let ready = try waitForLine(prefix: "READY ")
        let parts = ready.split(separator: " ")
        port = Int(parts[1]) ?? 0
        caFile = parts.count > 2 ? String(parts[2]) : "-"
    }

    deinit { stop() }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: out)
    }

    /// Waits for the next accepted message; returns it and the login used ("-" without AUTH).
    func nextMessage(timeout: Double = 30) throws -> (ReceivedMail, login: String) {
        let line = try waitForLine(prefix: "RECEIVED ", timeout: timeout)
        let parts = line.split(separator: " ")
        return (ReceivedMail(text: try String(contentsOfFile: String(parts[1]), encoding: .utf8)), String(parts[2]))
    }

    private var consumed = 0

    private func waitForLine(prefix: String, timeout: Double = 30) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let i = lines.indices.first(where: { $0 >= consumed && lines[$0].hasPrefix(prefix) }) {
                consumed = i + 1
                return lines[i]
            }
            if !condition.wait(until: deadline) { throw CoreError.internal(detail: "SMTP sink: no \(prefix) line within \(timeout) s") }
        }
    }
}
