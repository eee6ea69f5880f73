// Aerie — sends mail through SMTP, or writes it to <dir>/mail/ when SMTP is off
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Delivers the app's mail with the current settings: through SMTP when `smtp.enabled`, else as
/// an `.eml` file in `<dir>/mail/` (written to a temporary name and renamed, so a reader never
/// sees half a file) with its link in the log, which is enough to develop sign-up flows locally.
public final class Mailer: Sendable {
    /// `<dir>/mail`.
    public let outbox: String
    let settings: SettingsStore
    private let queue = DispatchQueue(label: "aerie.mail")
    private let pending = DispatchGroup()

    init(directory: String, settings: SettingsStore) {
        self.outbox = directory + "/mail"
        self.settings = settings
    }

    /// The sender from `meta.senderName` / `meta.senderAddress`.
    var sender: MailAddress {
        let s = settings.current
        return MailAddress(s.string("meta.senderAddress"), name: s.string("meta.senderName"))
    }

    /// Renders and sends one of the built-in mails to `to`, on the calling thread.
    func send(_ kind: MailKind, to: String, token: String = "", otp: String = "") throws {
        let s = settings.current
        let mail = MailTemplate.render(kind, appName: s.string("meta.appName"), appURL: s.string("meta.appURL"), token: token, otp: otp)
        try send(MailMessage(from: sender, to: [MailAddress(to)], subject: mail.subject, text: mail.text, html: mail.html),
                 link: mail.link.isEmpty ? nil : mail.link)
    }

    /// Like `send(_:to:token:otp:)` but on the mail queue: the caller's response does not wait
    /// for (or reveal anything through) delivery. Failures are logged.
    func sendLater(_ kind: MailKind, to: String, token: String = "", otp: String = "") {
        pending.enter()
        queue.async { [self] in
            defer { pending.leave() }
            do {
                try send(kind, to: to, token: token, otp: otp)
            } catch {
                Log.error("mail: sending \(kind.rawValue) mail failed: \(error)")
            }
        }
    }

    /// Waits until every mail queued by `sendLater` was handled (tests; graceful shutdown).
    /// Returns false on timeout.
    @discardableResult
    public func waitUntilIdle(seconds: Double = 30) -> Bool {
        pending.wait(timeout: .now() + seconds) == .success
    }

    /// Sends a message now: SMTP when enabled, else the outbox.
    public func send(_ message: MailMessage, link: String? = nil) throws {
        let s = settings.current
        if s.bool("smtp.enabled") {
            var config = SMTPConfiguration(host: s.string("smtp.host"), port: s.int("smtp.port"))
            config.username = s.string("smtp.username")
            config.password = s.string("smtp.password")
            config.authMethod = s.string("smtp.authMethod")
            config.security = SMTPSecurity(rawValue: s.string("smtp.tlsMode")) ?? .auto
            config.localName = s.string("smtp.localName")
            config.caFile = s.string("smtp.caFile")
            try SMTPClient(config).send(message)
            return
        }
        let path = try writeToOutbox(message)
        Log.info("mail: SMTP is off; wrote \(path) to \(message.to.map(\.address).joined(separator: ", "))" + (link.map { " (link: \($0))" } ?? ""))
    }

    /// Writes the message to `<outbox>/<ms>-<random>.eml` atomically; returns the path.
    func writeToOutbox(_ message: MailMessage) throws -> String {
        try Directories.make(outbox)
        let name = "\(Timestamp.now().milliseconds)-\(Hex.encode(Crypto.randomBytes(4))).eml"
        let final = outbox + "/" + name
        let temporary = outbox + "/." + name + ".tmp"
        let bytes = message.rendered()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CoreError.internal(detail: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var failed = !FileDescriptor.writeAll(fd, bytes)
        if fsync(fd) != 0 { failed = true }
        close(fd)
        guard !failed, rename(temporary, final) == 0 else {
            unlink(temporary)
            throw CoreError.internal(detail: "cannot write \(final): \(String(cString: strerror(errno)))")
        }
        return final
    }
}
