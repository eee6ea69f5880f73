// Aerie — where uploaded files live: the storage interface and its keys
// SPDX-License-Identifier: MIT

/// Names one stored file: `<collectionId>/<recordId>/<name>` (spec §10.1).
public struct FileKey: Sendable, Hashable {
    public var collectionID: String
    public var recordID: String
    public var name: String

    public init(collectionID: String, recordID: String, name: String) {
        self.collectionID = collectionID; self.recordID = recordID; self.name = name
    }

    /// Whether every part is one safe path component (no `/`, no leading `.`, no NUL, not empty).
    public var isSafe: Bool {
        [collectionID, recordID, name].allSatisfy { part in
            guard let first = part.utf8.first, first != UInt8(ascii: "."), part.utf8.count <= 255 else { return false }
            return !part.utf8.contains(UInt8(ascii: "/")) && !part.utf8.contains(0) && !part.utf8.contains(UInt8(ascii: "\\"))
        }
    }
}

/// A stored file opened for reading. The receiver owns `descriptor` and must close it.
public struct ReadableFile: Sendable {
    /// An open, read-only descriptor positioned at 0.
    public var descriptor: Int32
    /// The size in bytes.
    public var size: Int
    /// The last modification time, in whole seconds since the epoch.
    public var modifiedSeconds: Int64
}

/// A place to keep uploaded files. Handlers and record writes only see this protocol, so an
/// S3-compatible back end can be added without touching them.
///
/// Contract: `store` is atomic (a reader sees the whole file or nothing) and durable when it
/// returns, so a record that commits after `store` never points at a partial file; `delete`
/// and `deleteRecord` are idempotent and never throw (a leftover is an orphan, not an error).
public protocol FileStorage: Sendable {
    /// A local directory for uploads in progress, on the same file system as the store where
    /// that matters (so storing is a rename).
    var temporaryDirectory: String { get }
    /// Moves the complete temporary file at `temporaryPath` to `key`.
    func store(temporaryPath: String, as key: FileKey) throws
    /// Opens the file at `key`, or `nil` when there is none.
    func open(_ key: FileKey) -> ReadableFile?
    /// Removes one file (and anything derived from it, such as thumbnails).
    func delete(_ key: FileKey)
    /// Removes every file of a record.
    func deleteRecord(collectionID: String, recordID: String)
    /// The record ids that have files in a collection (for the orphan sweep).
    func recordIDs(collectionID: String) -> [String]
    /// The files of one record with their modification times in seconds (for the orphan sweep).
    func files(collectionID: String, recordID: String) -> [(name: String, modifiedSeconds: Int64)]
}
