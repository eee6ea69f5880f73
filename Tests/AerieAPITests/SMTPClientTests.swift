// Aerie — the SMTP client against a real server on loopback: plain, STARTTLS, implicit TLS, AUTH
// SPDX-License-Identifier: MIT
import AerieCore
import Testing

@Suite(.enabled(if: SMTPSink.isAvailable, SMTPSink.skipMessage), .serialized)
struct SMTPClientTests {
    func message(_ subject: String = "Hello") -> MailMessage {
        MailMessage(from: MailAddress("app@example.com", name: "Äpp"), to: [MailAddress("bob@example.com")], subject: subject,
                    text: "Line one\n.starts with a dot\nlink https://example.com/x", html: "<p>hi</p>")
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func plainConnection_authenticatesAndDelivers(_ method: String) throws {
        let sink = try SMTPSink(auth: "mailer:secret-pass")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "127.0.0.1", port: sink.port)
        config.security = .none
        config.username = "mailer"; config.password = "secret-pass"; config.authMethod = method
        try SMTPClient(config).send(message())
        let (mail, login) = try sink.nextMessage()
        #expect(login == "mailer")
        #expect(mail.header("Subject") == "Hello")
        #expect(mail.text.contains("\r\n.starts with a dot\r\n"), "dot-stuffing undone by the server: \(mail.text)")
        #expect(mail.header("From") == "=?utf-8?B?w4RwcA==?= <app@example.com>")
    }

    @Test func wrongPassword_failsWithServerReply() throws {
        let sink = try SMTPSink(auth: "mailer:secret-pass")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "127.0.0.1", port: sink.port)
        config.security = .none
        config.username = "mailer"; config.password = "nope"
        #expect(throws: SMTPError.self) { try SMTPClient(config).send(message()) }
    }

    @Test func startTLS_isUsed_AndCertificateChecked() throws {
        let sink = try SMTPSink(tls: "starttls", auth: "mailer:secret-pass")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "localhost", port: sink.port)
        config.security = .starttls
        config.username = "mailer"; config.password = "secret-pass"
        // The throw-away certificate is not in the system store: refused without the CA file.
        #expect { try SMTPClient(config).send(message()) } throws: { "\($0)".contains("certificate") }
        config.caFile = sink.caFile
        try SMTPClient(config).send(message("over STARTTLS"))
        #expect(try sink.nextMessage().0.header("Subject") == "over STARTTLS")
    }

    @Test func autoMode_upgradesWithSTARTTLS_WhenOffered() throws {
        let sink = try SMTPSink(tls: "starttls")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "localhost", port: sink.port)
        config.caFile = sink.caFile
        // The server requires STARTTLS before MAIL, so delivery proves the upgrade happened.
        try SMTPClient(config).send(message("auto"))
        #expect(try sink.nextMessage().0.header("Subject") == "auto")
    }

    @Test func implicitTLS_delivers() throws {
        let sink = try SMTPSink(tls: "implicit", auth: "mailer:secret-pass")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "127.0.0.1", port: sink.port)
        config.security = .implicit
        config.caFile = sink.caFile
        config.username = "mailer"; config.password = "secret-pass"
        try SMTPClient(config).send(message("implicit"))
        let (mail, login) = try sink.nextMessage()
        #expect(mail.header("Subject") == "implicit")
        #expect(login == "mailer")
    }

    @Test func starttlsMode_refusesServerWithoutSTARTTLS() throws {
        let sink = try SMTPSink()
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "127.0.0.1", port: sink.port)
        config.security = .starttls
        #expect { try SMTPClient(config).send(message()) } throws: { "\($0)".contains("STARTTLS") }
    }

    @Test func credentials_areNotSentInClear_ToRemoteHosts() throws {
        // 127.0.0.2 is loopback too, but not named as such: the client must refuse before AUTH.
        let sink = try SMTPSink(auth: "mailer:secret-pass", host: "127.0.0.2")
        defer { sink.stop() }
        var config = SMTPConfiguration(host: "127.0.0.2", port: sink.port)
        config.security = .none
        config.username = "mailer"; config.password = "secret-pass"
        #expect { try SMTPClient(config).send(message()) } throws: { "\($0)".contains("unencrypted") }
    }
}
