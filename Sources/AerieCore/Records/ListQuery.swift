// Aerie — the paging and sorting parameters of a list request
// SPDX-License-Identifier: MIT

/// Normalised list parameters (spec §3.1). Built from raw query strings with `parse`.
public struct ListQuery: Sendable, Hashable {
    public var page = 1
    public var perPage = 30
    /// The raw `sort` parameter, parsed by the records service (spec §6).
    public var sort = ""
    public var skipTotal = false
    /// The raw `filter` parameter (spec §5).
    public var filter = ""
    /// The raw `expand` parameter (spec §4.2); set by the caller, "" for none.
    public var expand = ""

    public init() {}

    /// Parses `page`, `perPage`, `sort`, `skipTotal` and `filter` (first occurrence of each).
    public static func parse(page: String?, perPage: String?, sort: String?, skipTotal: String?, filter: String?) throws(CoreError) -> ListQuery {
        var q = ListQuery()
        if let page, !page.isEmpty {
            guard let n = Int(page) else { throw CoreError.badRequest("Invalid page parameter.") }
            q.page = n <= 0 ? 1 : n
        }
        if let perPage, !perPage.isEmpty {
            guard let n = Int(perPage) else { throw CoreError.badRequest("Invalid perPage parameter.") }
            q.perPage = n <= 0 ? 30 : min(n, 1000)
        }
        if let skipTotal, !skipTotal.isEmpty {
            switch skipTotal {
            case "1", "t", "T", "TRUE", "true", "True": q.skipTotal = true
            case "0", "f", "F", "FALSE", "false", "False": q.skipTotal = false
            default: throw CoreError.badRequest("Invalid skipTotal parameter.")
            }
        }
        q.sort = sort ?? ""
        q.filter = filter ?? ""
        return q
    }
}
