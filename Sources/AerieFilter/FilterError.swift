// Aerie — errors of the filter language: a position and a message, never SQL
// SPDX-License-Identifier: MIT

/// A problem in a filter or sort expression, or one reported by a `FieldResolver`.
///
/// `description` reads `unexpected ')' at 1:7`; it never contains SQL, so it is safe to show in
/// a 400 response (the error envelope carries it as the message).
public struct FilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem starts.
    public var position: SourcePosition
    /// What went wrong, without the position.
    public var message: String

    /// Creates an error.
    public init(_ message: String, at position: SourcePosition) {
        self.message = message
        self.position = position
    }

    /// `message at line:column`.
    public var description: String { "\(message) at \(position)" }
}

/// Hard limits on client-supplied filters (spec §5.1, §15.3).
public struct FilterLimits: Sendable, Hashable {
    /// Maximum filter length in UTF-8 bytes (PocketBase: 3500).
    public var maxLength: Int
    /// Maximum number of comparisons in one filter (PocketBase: 200).
    public var maxComparisons: Int
    /// Maximum nesting of parentheses; deep nesting is refused before it can exhaust the stack.
    public var maxDepth: Int
    /// Maximum nesting of function calls (spec §5.1: 3 levels).
    public var maxFunctionDepth: Int

    /// Creates limits; the defaults are PocketBase's.
    public init(maxLength: Int = 3500, maxComparisons: Int = 200, maxDepth: Int = 64, maxFunctionDepth: Int = 3) {
        self.maxLength = maxLength
        self.maxComparisons = maxComparisons
        self.maxDepth = maxDepth
        self.maxFunctionDepth = maxFunctionDepth
    }
}
