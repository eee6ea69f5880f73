// Aerie — the domain layer's error type
// SPDX-License-Identifier: MIT
public import AerieJSON

/// One validation problem of one field, with a stable snake_case `code` clients can switch on.
public struct FieldIssue: Sendable, Hashable {
    public var code: String
    public var message: String
    public var params: JSONObject?

    public init(_ code: String, _ message: String, params: JSONObject? = nil) {
        self.code = code
        self.message = message
        self.params = params
    }

    /// `validation_required` / "Cannot be blank.".
    public static let required = FieldIssue("validation_required", "Cannot be blank.")
    /// The value has the wrong JSON type for the field.
    public static let unsupportedValueType = FieldIssue("validation_unsupported_value_type", "Invalid value type.")
    /// A UNIQUE index rejected the value.
    public static let notUnique = FieldIssue("validation_not_unique", "Value must be unique.")
}

/// Errors raised by AerieCore. AerieAPI maps each case to a status and the PocketBase envelope;
/// messages here are safe to show to clients and never carry SQL or internal details.
public enum CoreError: Error, Sendable {
    /// 400 with optional per-field issues (`data`).
    case badRequest(String, fields: [String: FieldIssue] = [:])
    /// 401.
    case unauthorized(String)
    /// 403.
    case forbidden(String)
    /// 404.
    case notFound(String)
    /// 413.
    case tooLarge
    /// 429 with a `Retry-After` of `retryAfter` seconds (rate limits).
    case tooManyRequests(String, retryAfter: Int)
    /// 503: the store stayed busy past its timeout.
    case unavailable
    /// 500: an unexpected internal failure; `detail` is logged, never sent.
    case `internal`(detail: String)

    /// "The requested resource wasn't found.".
    public static let missingResource = CoreError.notFound("The requested resource wasn't found.")
    /// "Missing collection context.".
    public static let missingCollection = CoreError.notFound("Missing collection context.")
    /// "Only superusers can perform this action.".
    public static let superusersOnly = CoreError.forbidden("Only superusers can perform this action.")
}
