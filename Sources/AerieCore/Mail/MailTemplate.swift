// Aerie — the built-in mail templates (Templates/mail/) and their placeholders
// SPDX-License-Identifier: MIT
import AerieTemplates
import Foundation

/// The mails Aerie sends, each with a `Templates/mail/<name>.txt` (first line `Subject: …`, a
/// blank line, the text body) and a `.html` alternative.
public enum MailKind: String, Sendable, CaseIterable {
    case verification
    case passwordReset = "password-reset"
    case emailChange = "email-change"
    case otp

    /// The page a link in this mail opens, below `meta.appURL` (PocketBase's default paths, so
    /// front ends written for it keep working); nil for mails without a link.
    var actionPath: String? {
        switch self {
        case .verification: "/_/#/auth/confirm-verification/"
        case .passwordReset: "/_/#/auth/confirm-password-reset/"
        case .emailChange: "/_/#/auth/confirm-email-change/"
        case .otp: nil
        }
    }
}

/// A rendered mail: subject and both bodies.
struct RenderedMail {
    var subject: String
    var text: String
    var html: String
    /// The link the mail carries (`{ACTION_URL}`), for the log line; empty for OTP mails.
    var link: String
}

enum MailTemplate {
    /// Renders `kind` with `{APP_NAME}`, `{APP_URL}`, `{TOKEN}`, `{OTP}` and `{ACTION_URL}` filled in;
    /// values are HTML-escaped in the HTML body.
    static func render(_ kind: MailKind, appName: String, appURL: String, token: String = "", otp: String = "") -> RenderedMail {
        var base = appURL
        while base.hasSuffix("/") { base.removeLast() }
        let link = kind.actionPath.map { base + $0 + token } ?? ""
        let values = [("{APP_NAME}", appName), ("{APP_URL}", base), ("{TOKEN}", token), ("{OTP}", otp), ("{ACTION_URL}", link)]
        let textTemplate = Templates.text(at: "mail/\(kind.rawValue).txt") ?? "Subject: {APP_NAME}\n\n{ACTION_URL}{OTP}\n"
        let htmlTemplate = Templates.text(at: "mail/\(kind.rawValue).html") ?? "<p>{ACTION_URL}{OTP}</p>"
        var subject = appName
        var text = textTemplate
        if text.hasPrefix("Subject:"), let end = text.firstIndex(of: "\n") {
            subject = text[text.index(text.startIndex, offsetBy: 8)..<end].trimmingCharacters(in: .whitespaces)
            text = String(text[text.index(after: end)...]).trimmingCharacters(in: .newlines) + "\n"
        }
        var html = htmlTemplate
        for (placeholder, value) in values {
            subject = subject.replacingOccurrences(of: placeholder, with: value)
            text = text.replacingOccurrences(of: placeholder, with: value)
            html = html.replacingOccurrences(of: placeholder, with: escapeHTML(value))
        }
        return RenderedMail(subject: subject, text: text, html: html, link: link)
    }

    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
