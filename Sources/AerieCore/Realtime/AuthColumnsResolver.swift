// Aerie — a resolver that reads @request.auth.id from a column, for rule checks of many auths at once
// SPDX-License-Identifier: MIT
import AerieFilter

/// Wraps a rule resolver so that `@request.auth.id`, `@request.auth.collectionId` and
/// `@request.auth.collectionName` become columns of a VALUES table (`"_rt_auth"`) holding one row
/// per subscriber auth, instead of bound values. One query then answers a rule for every auth:
/// `SELECT DISTINCT "_rt_auth"."n" FROM "_rt_auth", posts … WHERE <rule>`.
///
/// Any other `@request.auth.*` (fields of the auth record, modifiers) cannot be a plain column;
/// it throws, and the caller falls back to one query per auth.
struct AuthColumnsResolver: FieldResolver {
    static let table = "\"_rt_auth\""
    let inner: RecordFieldResolver

    func resolve(_ identifier: String, at position: SourcePosition) throws(FilterError) -> FieldResolution {
        switch identifier {
        case "@request.auth.id": return .identifier(ResolvedIdentifier(sql: "\(Self.table).\"id\""))
        case "@request.auth.collectionId": return .identifier(ResolvedIdentifier(sql: "\(Self.table).\"collectionId\""))
        case "@request.auth.collectionName": return .identifier(ResolvedIdentifier(sql: "\(Self.table).\"collectionName\""))
        default:
            if identifier.hasPrefix("@request.auth") { throw FilterError("not a per-auth column", at: position) }
            return try inner.resolve(identifier, at: position)
        }
    }
}
