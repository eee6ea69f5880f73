// Aerie — the paging and sorting parameters of a list request
// SPDX-License-Identifier: MIT

/// Normalised list parameters (spec §3.1). Built from raw query strings with `parse`.
public struct ListQuery: Sendable, Hashable {
    public var page = 1
    public var perPage = 30
    public var sort: [SortTerm] = []
    public var skipTotal = false
    /// The raw `filter` parameter (the filter language arrives with the query-language work).
    public var filter = ""

    public init() {}

    /// One `sort` term: a field name or `@random` / `@rowid`, ascending or descending.
    public struct SortTerm: Sendable, Hashable {
        public var field: String
        public var descending: Bool
    }

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
        if let sort, !sort.isEmpty {
            let terms = sort.split(separator: ",", omittingEmptySubsequences: true)
            guard terms.count <= 8 else { throw CoreError.badRequest("Too many sort fields (max 8).") }
            for raw in terms {
                var term = String(raw).trimmingSpaces()
                guard !term.isEmpty else { continue }
                guard term.utf8.count <= 255 else { throw CoreError.badRequest("Invalid sort field.") }
                var descending = false
                if term.hasPrefix("-") { descending = true; term.removeFirst() } else if term.hasPrefix("+") { term.removeFirst() }
                q.sort.append(SortTerm(field: term.trimmingSpaces(), descending: descending))
            }
        }
        q.filter = filter ?? ""
        return q
    }
}
