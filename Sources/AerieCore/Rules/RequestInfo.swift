// Aerie — the request facts rules and filters can see as @request.*
// SPDX-License-Identifier: MIT

/// What `@request.*` resolves to in a rule or filter (spec §5.7). AerieAPI builds it from the
/// HTTP request; Core never sees HTTP types. Lookups are closures so that requests whose rules
/// never read them cost nothing.
public struct RequestInfo: Sendable {
    /// `@request.method`: `GET`, `POST`, …
    public var method: String
    /// `@request.context`: `default` for API requests.
    public var context: String
    private let queryLookup: @Sendable (String) -> String?
    private let headerLookup: @Sendable (String) -> String?

    /// - Parameters:
    ///   - query: the first value of a query parameter.
    ///   - header: a header by the name rules use: lower-case, `_` for `-` (`@request.headers.x_token`).
    public init(method: String = "GET", context: String = "default",
                query: @escaping @Sendable (String) -> String? = { _ in nil },
                header: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.method = method
        self.context = context
        self.queryLookup = query
        self.headerLookup = header
    }

    /// `@request.query.<name>`.
    public func query(_ name: String) -> String? { queryLookup(name) }
    /// `@request.headers.<name>`.
    public func header(_ name: String) -> String? { headerLookup(name) }
}
