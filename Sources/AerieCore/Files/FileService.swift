// Aerie — serving stored files: lookup, protected-file access and the storage handle
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

/// Finds the file a download URL names and decides whether the caller may read it (spec §10.2).
public final class FileService: Sendable {
    /// Where the files are.
    public let storage: any FileStorage
    let records: RecordService
    let auth: AuthService

    init(storage: any FileStorage, records: RecordService, auth: AuthService) {
        self.storage = storage
        self.records = records
        self.auth = auth
    }

    /// A file ready to be sent.
    public struct Download: Sendable {
        /// The open file; the caller owns its descriptor.
        public var file: ReadableFile
        /// The stored name.
        public var name: String
    }

    /// Opens `name` of record `recordID` when it is a current value of one of the record's file
    /// fields. Non-protected files are public; a protected one needs a file token (`?token=`)
    /// whose record passes the collection's view rule, evaluated with `@request.context` =
    /// `protectedFile`. Every refusal is the same 404, so nothing leaks about what exists.
    public func open(collection key: String, recordID: String, name: String, fileToken: String?,
                     request: RequestInfo = RequestInfo()) throws -> Download {
        guard let c = records.schema.collection(key) else { throw CoreError.notFound("Missing or invalid collection context.") }
        guard let values = try records.pool.read({ db in try records.load(c, id: recordID, db: db) }) else {
            throw CoreError.missingResource
        }
        var field: FileField?
        for f in c.schema.fields {
            if let file = f as? FileField, file.list(values[f.name] ?? f.zeroValue).contains(name) {
                field = file
                break
            }
        }
        guard let field else { throw CoreError.missingResource }
        if field.protected {
            let who = auth.requester(fileToken: fileToken)
            var info = request
            info.context = "protectedFile"
            let rule: RuleAccess
            do {
                rule = try records.access(c.rules.view, c, requester: who, context: RecordService.RuleContext(request: info))
            } catch let error as CoreError {
                if case .internal = error { throw error }
                throw CoreError.missingResource
            }
            let allowed = try records.pool.read { db in try records.row(recordID, of: c, satisfies: rule, db: db) }
            guard allowed else { throw CoreError.missingResource }
        }
        guard let file = storage.open(FileKey(collectionID: c.schema.id, recordID: recordID, name: name)) else {
            throw CoreError.missingResource
        }
        return Download(file: file, name: name)
    }
}
