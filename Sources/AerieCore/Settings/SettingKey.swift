// Aerie — the catalog of settings keys: types, defaults, environment names
// SPDX-License-Identifier: MIT
public import AerieJSON

/// One settings key (`smtp.host`), with its type, default and the `AERIE_*` variable that overrides it.
public struct SettingKey: Sendable {
    /// The value a key accepts.
    public enum Kind: Sendable {
        /// Text; `required` refuses "".
        case string(required: Bool)
        /// An absolute http(s) URL.
        case url
        /// An email address.
        case email
        case bool
        /// A whole number in the range.
        case int(ClosedRange<Int64>)
        /// A token duration in seconds: 0 (use the collection's own) or 10…94670856.
        case duration
        /// One of the listed strings.
        case choice([String])
        /// A list of strings (comma-separated on the command line and in the environment).
        case list
        /// Text that is stored but never shown back (`smtp.password`).
        case secret
        /// PocketBase's rate-limit rule list (`[{label, audience, duration, maxRequests}]`).
        case rateLimitRules
        /// A log level: PocketBase's numbers (-4 debug, 0 info, 4 warn, 8 error) or those names.
        case logLevel
    }

    /// Dotted path in the settings object (`meta.appName`).
    public let path: String
    public let kind: Kind
    public let defaultValue: JSON
    /// One line for `aerie config list` and docs/configuration.md.
    public let summary: String

    init(_ path: String, _ kind: Kind, _ defaultValue: JSON, _ summary: String) {
        self.path = path; self.kind = kind; self.defaultValue = defaultValue; self.summary = summary
    }

    /// Whether the value is a secret that is never echoed back.
    public var isSecret: Bool { if case .secret = kind { return true }; return false }

    /// `meta.appName` → `AERIE_META_APP_NAME`.
    public var environmentName: String {
        var out = "AERIE_"
        var previousLower = false
        for ch in path {
            if ch == "." { out += "_"; previousLower = false; continue }
            if ch.isUppercase && previousLower { out += "_" }
            out += ch.uppercased()
            previousLower = ch.isLowercase || ch.isNumber
        }
        return out
    }

    /// The path split at dots.
    var components: [String] { path.split(separator: ".").map(String.init) }
}

extension SettingKey {
    /// PocketBase's default rate-limit rules (spec §15.2); they apply only when `rateLimits.enabled`.
    static let defaultRateLimitRules: JSON = .array([
        ["label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2],
        ["label": "*:create", "audience": "", "duration": 5, "maxRequests": 20],
        ["label": "/api/batch", "audience": "", "duration": 1, "maxRequests": 3],
        ["label": "/api/", "audience": "", "duration": 10, "maxRequests": 300],
    ])

    /// Every key, in the order `aerie config list` prints them.
    public static let all: [SettingKey] = [
        SettingKey("meta.appName", .string(required: true), "Aerie", "Application name, used in mail"),
        SettingKey("meta.appURL", .url, "http://localhost:8090", "Public URL of the app; links in mail start with it"),
        SettingKey("meta.senderName", .string(required: true), "Support", "Name in the From header of mail"),
        SettingKey("meta.senderAddress", .email, "support@example.com", "Address in the From header of mail"),
        SettingKey("smtp.enabled", .bool, false, "Send mail through SMTP (off: write .eml files to <dir>/mail/)"),
        SettingKey("smtp.host", .string(required: false), "smtp.example.com", "SMTP server host"),
        SettingKey("smtp.port", .int(1...65535), 587, "SMTP server port"),
        SettingKey("smtp.username", .string(required: false), "", "SMTP user name (empty: no AUTH)"),
        SettingKey("smtp.password", .secret, "", "SMTP password (never shown)"),
        SettingKey("smtp.authMethod", .choice(["", "PLAIN", "LOGIN"]), "", "SMTP AUTH mechanism (empty: PLAIN)"),
        SettingKey("smtp.tlsMode", .choice(["auto", "starttls", "implicit", "none"]), "auto",
                   "auto: STARTTLS when offered; starttls: required; implicit: TLS from the first byte (port 465); none"),
        SettingKey("smtp.localName", .string(required: false), "", "Name sent in EHLO (empty: localhost)"),
        SettingKey("smtp.caFile", .string(required: false), "", "PEM file of extra CA certificates trusted for the SMTP server"),
        SettingKey("tokens.auth", .duration, 0, "Auth token lifetime in seconds (0: the collection's authToken.duration)"),
        SettingKey("tokens.verification", .duration, 0, "Verification token lifetime (0: the collection's)"),
        SettingKey("tokens.passwordReset", .duration, 0, "Password-reset token lifetime (0: the collection's)"),
        SettingKey("tokens.emailChange", .duration, 0, "Email-change token lifetime (0: the collection's)"),
        SettingKey("cors.origins", .list, .array(["*"]), "Allowed browser origins (* for any); --origins overrides"),
        SettingKey("rateLimits.enabled", .bool, false, "Apply rateLimits.rules per client IP"),
        SettingKey("rateLimits.rules", .rateLimitRules, defaultRateLimitRules, "PocketBase-style rules [{label, audience, duration, maxRequests}]"),
        SettingKey("rateLimits.excludedIPs", .list, .array([]), "Client IPs never rate limited"),
        SettingKey("rateLimits.identity.maxRequests", .int(0...1_000_000), 10,
                   "Failed sign-ins and mail requests per identity (email/username) per window; 0: off"),
        SettingKey("rateLimits.identity.duration", .int(1...86_400), 300, "Window of rateLimits.identity.maxRequests, in seconds"),
        SettingKey("trustedProxy.headers", .list, .array([]), "Headers holding the client IP behind a proxy (X-Forwarded-For, …)"),
        SettingKey("trustedProxy.useLeftmostIP", .bool, false, "Use the leftmost (client) entry of those headers instead of the rightmost"),
        SettingKey("batch.enabled", .bool, true, "Allow POST /api/batch"),
        SettingKey("batch.maxRequests", .int(1...10_000), 50, "Most sub-requests per batch"),
        SettingKey("batch.timeout", .int(1...3_600), 3, "Longest a batch may run, in seconds"),
        SettingKey("batch.maxBodySize", .int(0...(1 << 40)), 0, "Largest batch body in bytes (0: 128 MiB)"),
        SettingKey("limits.maxBodySize", .int(1024...(1 << 40)), .int(32 << 20),
                   "Largest request body in bytes (record writes add their fields' own limits)"),
        SettingKey("logs.minLevel", .logLevel, 0, "Lowest level logged: -4 debug, 0 info, 4 warn, 8 error"),
    ]

    /// The key at `path`, if any (a hash lookup: requests read settings on the hot path).
    public static func named(_ path: String) -> SettingKey? { byPath[path] }

    private static let byPath: [String: SettingKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
