// Aerie — MIME rendering of mail messages and the rate limiter's windows
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import Foundation
import Testing

@Suite struct MailMessageTests {
    func text(_ m: MailMessage) -> String {
        String(decoding: m.rendered(date: Timestamp(milliseconds: 1_795_536_059_000), messageID: "id@example.com"), as: UTF8.self)
    }

    @Test func headers_cannotBeInjected_ThroughSubjectOrName() {
        let m = MailMessage(from: MailAddress("app@example.com", name: "App\r\nBcc: evil@example.com"), to: [MailAddress("a@example.com")],
                            subject: "Hi\r\nBcc: evil@example.com", text: "body")
        let head = text(m).components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.split(separator: "\r\n").contains { $0.hasPrefix("Bcc:") }, "\(head)")
        #expect(head.contains("Subject: Hi Bcc: evil@example.com"))
    }

    @Test func rendering_usesCRLF_DateAndEncodedWords() {
        let m = MailMessage(from: MailAddress("app@example.com", name: "Zoë"), to: [MailAddress("a@example.com")], subject: "Grüße", text: "a\nb")
        let t = text(m)
        #expect(t.contains("Date: Tue, 24 Nov 2026 16:00:59 +0000\r\n"), "\(t)")
        #expect(t.contains("Subject: =?utf-8?B?R3LDvMOfZQ==?=\r\n"))
        #expect(t.contains("From: =?utf-8?B?Wm/Dqw==?= <app@example.com>\r\n"))
        #expect(t.contains("Message-ID: <id@example.com>\r\n"))
        #expect(t.hasSuffix("\r\n\r\na\r\nb\r\n"))
        #expect(!t.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF")
    }

    @Test func longLines_areFoldedUnder998Bytes() {
        let m = MailMessage(from: MailAddress("a@example.com"), to: [MailAddress("b@example.com")], subject: "x", text: String(repeating: "é", count: 1500))
        for line in text(m).components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
    }

    @Test func multipart_carriesBothBodies() {
        let m = MailMessage(from: MailAddress("a@example.com"), to: [MailAddress("b@example.com")], subject: "x", text: "plain", html: "<b>rich</b>")
        let t = text(m)
        #expect(t.contains("Content-Type: multipart/alternative; boundary="))
        #expect(t.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nplain\r\n"))
        #expect(t.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<b>rich</b>\r\n"))
    }
}

@Suite struct RateLimiterTests {
    @Test func window_allowsMaxRequests_ThenReportsTheWait() {
        let limiter = RateLimiter()
        let t0 = Timestamp(milliseconds: 1_000_000)
        for _ in 0..<3 { #expect(limiter.consume("k", maxRequests: 3, duration: 10, now: t0) == nil) }
        #expect(limiter.consume("k", maxRequests: 3, duration: 10, now: Timestamp(milliseconds: 1_004_000)) == 6)
        #expect(limiter.blocked("k", maxRequests: 3, duration: 10, now: Timestamp(milliseconds: 1_004_000)) == 6)
        #expect(limiter.consume("other", maxRequests: 3, duration: 10, now: t0) == nil)
        #expect(limiter.consume("k", maxRequests: 3, duration: 10, now: Timestamp(milliseconds: 1_010_000)) == nil, "a new window")
    }

    @Test func capacity_boundsTheKeys() {
        let limiter = RateLimiter(capacity: 10)
        func at(_ i: Int) -> Timestamp { Timestamp(milliseconds: 5_000_000 + Int64(i) * 1000) }
        for i in 0..<100 { _ = limiter.consume("k\(i)", maxRequests: 1, duration: 1000, now: at(i)) }
        // The oldest keys were dropped, so k0 may act again; the newest is still counted.
        #expect(limiter.consume("k0", maxRequests: 1, duration: 1000, now: at(100)) == nil)
        #expect(limiter.consume("k99", maxRequests: 1, duration: 1000, now: at(100)) != nil)
    }
}
