// Aerie — auth mail delivered through a real SMTP server on loopback completes the flows
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieTesting
import Testing

@Suite(.enabled(if: SMTPSink.isAvailable, SMTPSink.skipMessage))
struct MailDeliveryTests {
    @Test func verificationAndReset_throughSMTP() throws {
        let sink = try SMTPSink(tls: "starttls", auth: "mailer:secret-pass")
        defer { sink.stop() }
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in
            s.set("smtp.enabled", true); s.set("smtp.host", "localhost"); s.set("smtp.port", .int(Int64(sink.port)))
            s.set("smtp.username", "mailer"); s.set("smtp.password", "secret-pass"); s.set("smtp.tlsMode", "starttls")
            s.set("smtp.caFile", .string(sink.caFile))
            s.set("meta.appName", "Acme"); s.set("meta.appURL", "https://acme.example.com/")
        }
        let alice = try server.signUp("alice@example.com", password: "old-password-1")
        #expect(try server.post("users", "request-verification", ["email": "alice@example.com"]).status == 204)
        let (verification, login) = try sink.nextMessage()
        #expect(login == "mailer")
        #expect(verification.header("Subject") == "Verify your Acme email")
        #expect(verification.text.contains("https://acme.example.com/_/#/auth/confirm-verification/"))
        let token = try #require(verification.token)
        #expect(try server.post("users", "confirm-verification", ["token": .string(token)]).status == 204)
        #expect(try server.record(alice.id)["verified"]?.boolValue == true)

        #expect(try server.post("users", "request-password-reset", ["email": "alice@example.com"]).status == 204)
        let reset = try #require(try sink.nextMessage().0.token)
        #expect(try server.post("users", "confirm-password-reset",
                                ["token": .string(reset), "password": "new-password-1", "passwordConfirm": "new-password-1"]).status == 204)
        #expect(try server.login("alice@example.com", "new-password-1") != nil)
        #expect(try server.outbox().isEmpty, "nothing went to the outbox while SMTP is on")
    }

    @Test func emailChange_reportsMailFailure_As400() throws {
        let server = try flowServer()
        defer { server.stop() }
        // Port 1 on loopback: nothing listens, delivery fails at once.
        try server.app.settings.update { s in
            s.set("smtp.enabled", true); s.set("smtp.host", "127.0.0.1"); s.set("smtp.port", 1)
        }
        let alice = try server.signUp("alice@example.com")
        let r = try server.post("users", "request-email-change", ["newEmail": "new@example.com"], token: alice.token)
        #expect(r.status == 400)
        #expect(r.json["message"]?.stringValue == "Failed to request email change.")
    }
}
