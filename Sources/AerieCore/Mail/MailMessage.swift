// Aerie — an email message and its RFC 5322 / MIME rendering
// SPDX-License-Identifier: MIT
public import AerieBase
import AerieCrypto
import Foundation

/// A mailbox: an address with an optional display name.
public struct MailAddress: Sendable, Hashable {
    public var name: String
    public var address: String

    public init(_ address: String, name: String = "") { self.address = address; self.name = name }

    /// `"Name" <addr>` for a header, with the name as an RFC 2047 word when not plain ASCII.
    /// Line breaks are removed, so no value can add a header.
    var header: String {
        let addr = MailMessage.singleLine(address)
        let display = MailMessage.singleLine(name)
        if display.isEmpty { return "<\(addr)>" }
        return "\(MailMessage.encodedWord(display, quoted: true)) <\(addr)>"
    }
}

/// A message with a plain-text body and an optional HTML alternative.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?

    public init(from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil) {
        self.from = from; self.to = to; self.subject = subject; self.text = text; self.html = html
    }

    /// The message as sent: CRLF line ends, UTF-8 bodies in 8bit (no line is longer than 998 bytes:
    /// longer ones are folded, RFC 5322 §2.1.1), multipart/alternative when there is HTML.
    public func rendered(date: Timestamp = .now(), messageID: String? = nil) -> [UInt8] {
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        let id = messageID ?? "\(Hex.encode(Crypto.randomBytes(12)))@\(MailMessage.singleLine(domain))"
        var head = "From: \(from.header)\r\n"
        head += "To: \(to.map(\.header).joined(separator: ", "))\r\n"
        head += "Subject: \(MailMessage.encodedWord(MailMessage.singleLine(subject), quoted: false))\r\n"
        head += "Date: \(date.rfc1123(zone: "+0000"))\r\n"  // RFC 5322 date-time
        head += "Message-ID: <\(id)>\r\n"
        head += "MIME-Version: 1.0\r\n"
        var body: String
        if let html {
            let boundary = "aerie-\(Hex.encode(Crypto.randomBytes(8)))"
            head += "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n"
            body = "--\(boundary)\r\n" + MailMessage.part("text/plain", text)
            body += "--\(boundary)\r\n" + MailMessage.part("text/html", html)
            body += "--\(boundary)--\r\n"
        } else {
            head += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            body = MailMessage.crlf(text)
        }
        return Array((head + "\r\n" + body).utf8)
    }

    static func part(_ type: String, _ content: String) -> String {
        "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + crlf(content)
    }

    /// Normalises line ends to CRLF, ends with one, and folds lines over 998 bytes.
    static func crlf(_ s: String) -> String {
        var out = ""
        for line in s.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = Substring(line)
            while rest.utf8.count > 998 {
                var cut = rest.startIndex
                var n = 0
                for i in rest.indices { let size = rest[i].utf8.count; if n + size > 998 { break }; n += size; cut = rest.index(after: i) }
                out += rest[..<cut] + "\r\n"
                rest = rest[cut...]
            }
            out += rest + "\r\n"
        }
        return out
    }

    /// The text with CR and LF replaced by spaces (header values).
    static func singleLine(_ s: String) -> String {
        String(s.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    /// ASCII as is (quoted when it has specials and `quoted`), anything else as `=?utf-8?B?…?=` (RFC 2047).
    static func encodedWord(_ s: String, quoted: Bool) -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            guard quoted else { return s }
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "=?utf-8?B?\(Base64.encode(Array(s.utf8)))?="
    }
}
