// Aerie — method + path routing, built once and then immutable
// SPDX-License-Identifier: MIT
public import AerieHTTP

/// The parts of a matched path, by the names in the route pattern (`:collection`, `:id`).
public struct PathParameters: Sendable {
    var pairs: [(String, String)] = []
    /// The value of a named segment.
    public subscript(_ name: String) -> String { pairs.first { $0.0 == name }?.1 ?? "" }
}

/// Everything a route handler gets.
public struct RouteContext: Sendable {
    public var request: HTTPRequest
    public var parameters: PathParameters
}

/// A route handler: runs on a worker thread and may block.
public typealias RouteHandler = @Sendable (APIResponder, RouteContext) throws -> HTTPResponse

/// Routes by method and `/`-separated segments; `:name` matches one non-empty segment.
/// Unknown paths and wrong methods both answer 404, as PocketBase does (spec §1.1).
public struct Router: Sendable {
    private struct Route: Sendable {
        let method: HTTPMethod
        let segments: [String]
        let handler: RouteHandler
    }
    private var routes: [Route] = []

    public init() {}

    /// Adds a route; the pattern is like `/api/collections/:collection/records/:id`.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping RouteHandler) {
        routes.append(Route(method: method, segments: pattern.split(separator: "/").map(String.init), handler: handler))
    }

    /// The outcome of routing one request.
    public enum Match {
        case found(RouteHandler, PathParameters)
        /// Some route has this path, but not for this method.
        case wrongMethod
        /// No route has this path.
        case notFound
    }

    /// The handler and parameters for a request, treating HEAD as GET. Paths match exactly:
    /// a trailing slash is a different path, as in PocketBase.
    public func match(_ method: HTTPMethod, _ path: String) -> Match {
        let lookup = method == .head ? .get : method
        let segments = Array(path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
        var pathExists = false
        for route in routes where route.segments.count == segments.count {
            var params = PathParameters()
            var ok = true
            for (pattern, actual) in zip(route.segments, segments) {
                if pattern.hasPrefix(":") {
                    if actual.isEmpty { ok = false; break }
                    params.pairs.append((String(pattern.dropFirst()), String(actual)))
                } else if pattern != actual {
                    ok = false; break
                }
            }
            guard ok else { continue }
            if route.method == lookup { return .found(route.handler, params) }
            pathExists = true
        }
        return pathExists ? .wrongMethod : .notFound
    }
}
