// Aerie — online backup
// SPDX-License-Identifier: MIT
import CSQLite

extension Connection {
    /// Copies the "main" database into the file at `path` with SQLite's online backup API
    /// (https://sqlite.org/backup.html), replacing any database already there.
    ///
    /// All pages are copied in one step, so the copy is a consistent snapshot even while other
    /// connections keep writing in WAL mode.
    public func backup(to path: String) throws {
        let source = try handle()
        var destination: OpaquePointer?
        let openRC = sqlite3_open_v2(path, &destination, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        defer { sqlite3_close_v2(destination) }
        guard openRC == SQLITE_OK, let destination else {
            let message = destination.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open backup file"
            throw SQLiteError(code: openRC, message: message)
        }
        sqlite3_extended_result_codes(destination, 1)
        guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
            throw SQLiteError(code: sqlite3_extended_errcode(destination), message: String(cString: sqlite3_errmsg(destination)))
        }
        let stepRC = sqlite3_backup_step(backup, -1)
        let finishRC = sqlite3_backup_finish(backup)
        guard stepRC == SQLITE_DONE, finishRC == SQLITE_OK else {
            let code = finishRC != SQLITE_OK ? sqlite3_extended_errcode(destination) : stepRC
            throw SQLiteError(code: code, message: String(cString: sqlite3_errmsg(destination)))
        }
    }
}
