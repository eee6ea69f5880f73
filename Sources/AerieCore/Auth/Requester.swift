// Aerie — who is making a request
// SPDX-License-Identifier: MIT

/// The authenticated caller of a request, resolved from its token; `guest` when none.
public struct Requester: Sendable, Hashable {
    /// The auth collection of the caller's record.
    public var collectionID: String?
    /// The caller's record id.
    public var recordID: String?
    /// Whether the caller is a `_superusers` record (bypasses every rule).
    public var isSuperuser: Bool

    public init(collectionID: String? = nil, recordID: String? = nil, isSuperuser: Bool = false) {
        self.collectionID = collectionID; self.recordID = recordID; self.isSuperuser = isSuperuser
    }

    /// No valid token.
    public static let guest = Requester()

    /// Whether the caller is the record `id` of collection `collectionID`.
    public func isRecord(_ id: String, in collectionID: String) -> Bool {
        recordID == id && self.collectionID == collectionID
    }
}
