// Aerie — `aerie backup restore` killed at each step of its swap, then finished by the next command
// SPDX-License-Identifier: MIT
import AerieSQLite
import Foundation
import Glibc
import Testing

@Suite struct RestoreCrashTests {
    /// Where the data lives: the database holds one post whose id names its pair, the storage one
    /// file whose name does the same.
    struct Pair: Equatable, CustomStringConvertible {
        var ids: Set<String>
        var files: [String]
        var description: String { "ids \(ids.sorted()), files \(files)" }
    }

    static let backupPair = Pair(ids: ["backuppair0001"], files: ["pbc_1/r1/backup.txt"])
    static let currentPair = Pair(ids: ["currentpair001"], files: ["pbc_1/r1/current.txt"])

    /// A directory whose backup `snap` holds `backupPair` while the live data is `currentPair`.
    func prepared() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", BackupCommandTests.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        try setPair(Self.backupPair, in: directory)
        #expect(try aerie("backup", "create", "snap", "--dir", "data", in: directory).status == 0)
        try setPair(Self.currentPair, in: directory)
        #expect(try pair(in: directory) == Self.currentPair)
        return directory
    }

    func setPair(_ pair: Pair, in directory: TemporaryDirectory) throws {
        let db = try Connection(path: directory.path + "/data/data.db")
        try db.run(#"DELETE FROM "posts""#)
        for id in pair.ids { try db.run(#"INSERT INTO "posts" ("id", "title") VALUES (?, 't')"#, [.text(id)]) }
        db.close()
        let storage = directory.path + "/data/storage"
        try? FileManager.default.removeItem(atPath: storage)
        for file in pair.files {
            let path = storage + "/" + file
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    /// What the directory holds now (read without any Aerie code).
    func pair(in directory: TemporaryDirectory) throws -> Pair {
        let db = try Connection(path: directory.path + "/data/data.db", readOnly: true)
        defer { db.close() }
        #expect(try db.queryScalar("PRAGMA integrity_check") == .text("ok"))
        var ids = Set<String>()
        try db.query(#"SELECT "id" FROM "posts""#) { ids.insert($0.string(0)) }
        let storage = directory.path + "/data/storage"
        let files = ((FileManager.default.enumerator(atPath: storage)?.allObjects as? [String]) ?? [])
            .filter { !FileManager.default.isDirectory(storage + "/" + $0) }.sorted()
        return Pair(ids: ids, files: files)
    }

    func restoreJournalLeftovers(in directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data")
            .filter { $0.hasPrefix(".restore-") || $0.hasPrefix(".aerie-restore") }
    }

    /// Before the journal is written the old pair stays; from the journal on, the new pair wins.
    static let steps: [(String, Pair)] = [
        ("staged", currentPair), ("journal", backupPair), ("database", backupPair),
        ("storage-aside", backupPair), ("storage", backupPair), ("committed", backupPair),
    ]

    @Test(arguments: steps.map(\.0))
    func crashAtEveryStep_nextBackupCreateFinishesOrRollsBack(step: String) throws {
        let directory = try prepared()
        let crashed = try AerieProcess(["backup", "restore", "snap", "--dir", "data"], in: directory,
                                       environment: ["AERIE_TEST_CRASH_AT": step]).waitForExit()
        #expect(crashed.status == 86, "the crash hook did not fire at \(step): \(crashed)")
        // The next command that takes the directory repairs it first.
        let next = try aerie("backup", "create", "after", "--dir", "data", in: directory)
        #expect(next.status == 0, "\(next)")
        let expected = try #require(Self.steps.first { $0.0 == step }?.1)
        #expect(try pair(in: directory) == expected, "after a crash at \(step)")
        let leftovers = try restoreJournalLeftovers(in: directory)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func crashMidSwap_serveFinishesTheRestoreBeforeServing() throws {
        let directory = try prepared()
        let crashed = try AerieProcess(["backup", "restore", "snap", "--dir", "data"], in: directory,
                                       environment: ["AERIE_TEST_CRASH_AT": "database"]).waitForExit()
        #expect(crashed.status == 86, "\(crashed)")
        // Half-swapped on disk: the new database with the old files. Nothing may use it like this.
        #expect(try pair(in: directory) == Pair(ids: Self.backupPair.ids, files: Self.currentPair.files))
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        #expect(try server.stop().status == 0)
        #expect(try pair(in: directory) == Self.backupPair)
        #expect(try restoreJournalLeftovers(in: directory).isEmpty)
    }

    @Test func crashMidSwap_unlockedCommandsAndRestoreFinishItToo() throws {
        // `superuser` opens the directory without the lock: App.open finishes the swap.
        let first = try prepared()
        #expect(try AerieProcess(["backup", "restore", "snap", "--dir", "data"], in: first,
                                 environment: ["AERIE_TEST_CRASH_AT": "storage-aside"]).waitForExit().status == 86)
        #expect(try pair(in: first).files.isEmpty, "the old files were moved aside, the new not yet in")
        let upsert = try aerie("superuser", "upsert", "a@example.com", "password-123", "--dir", "data", in: first)
        #expect(upsert.status == 0, "\(upsert)")
        #expect(try pair(in: first) == Self.backupPair)

        // Another restore finishes the interrupted one first, then does its own work.
        let second = try prepared()
        #expect(try AerieProcess(["backup", "restore", "snap", "--dir", "data"], in: second,
                                 environment: ["AERIE_TEST_CRASH_AT": "journal"]).waitForExit().status == 86)
        let again = try aerie("backup", "restore", "snap", "--dir", "data", in: second)
        #expect(again.status == 0, "\(again)")
        #expect(try pair(in: second) == Self.backupPair)
        #expect(try restoreJournalLeftovers(in: second).isEmpty)
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
