// Aerie — `aerie superuser create|upsert|update|delete|list` against a fresh data directory
// SPDX-License-Identifier: MIT
import Foundation
import Testing

@Suite struct SuperuserTests {
    @Test func create_thenDuplicate_thenUpsert_thenList() throws {
        let directory = try TemporaryDirectory()

        let created = try aerie("superuser", "create", "root@example.com", "password123", "--dir", "data", in: directory)
        #expect(created.status == 0, "\(created)")
        #expect(created.stdout.contains("root@example.com"), "\(created)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/data/data.db"))

        let duplicate = try aerie("superuser", "create", "root@example.com", "password456", "--dir", "data", in: directory)
        #expect(duplicate.status == 1, "\(duplicate)")
        #expect(duplicate.errorMessage?.contains("root@example.com") == true, "\(duplicate)")
        #expect(!duplicate.stderr.contains("Usage:"), "a failure is not a usage error: \(duplicate)")

        let upserted = try aerie("superuser", "upsert", "root@example.com", "password456", "--dir=data", in: directory)
        #expect(upserted.status == 0, "\(upserted)")
        #expect(upserted.stdout.contains("root@example.com"), "\(upserted)")

        let second = try aerie("superuser", "upsert", "second@example.com", "password789", "--dir", "data", in: directory)
        #expect(second.status == 0, "\(second)")

        let listed = try aerie("superuser", "list", "--dir", "data", in: directory)
        #expect(listed.status == 0, "\(listed)")
        let emails = listed.stdout.split(separator: "\n").map(String.init)
        #expect(Set(emails) == ["root@example.com", "second@example.com"], "\(listed)")
    }

    @Test func list_isEmpty_WhenNoSuperuser() throws {
        let directory = try TemporaryDirectory()
        let listed = try aerie("superuser", "list", "--dir", "data", in: directory)
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.isEmpty, "\(listed)")
    }

    @Test func create_usesDefaultDataDirectory_WhenNoDirGiven() throws {
        let directory = try TemporaryDirectory()
        let created = try aerie("superuser", "create", "root@example.com", "password123", in: directory)
        #expect(created.status == 0, "\(created)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/aerie_data/data.db"))
    }

    @Test func create_fails_WhenPasswordTooShort() throws {
        let directory = try TemporaryDirectory()
        let result = try aerie("superuser", "create", "root@example.com", "short", "--dir", "data", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.errorMessage?.contains("\n  password: ") == true, "the field problem is named: \(result)")
        #expect(result.stdout.isEmpty, "\(result)")

        let listed = try aerie("superuser", "list", "--dir", "data", in: directory)
        #expect(listed.stdout.isEmpty, "nothing was created: \(listed)")
    }

    @Test(arguments: ["not-an-email", "a@", "@example.com", ""])
    func create_fails_WhenEmailInvalid(_ email: String) throws {
        let directory = try TemporaryDirectory()
        let result = try aerie("superuser", "create", email, "password123", "--dir", "data", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.errorMessage?.contains("\n  email: ") == true, "the field problem is named: \(result)")
    }
}

@Suite struct SuperuserUpdateDeleteTests {
    @Test func update_changesPassword_AndFails_WhenEmailUnknown() throws {
        let directory = try TemporaryDirectory()
        #expect(try aerie("superuser", "create", "root@example.com", "password123", "--dir", "data", in: directory).status == 0)

        let updated = try aerie("superuser", "update", "ROOT@example.com", "new-password-1", "--dir", "data", in: directory)
        #expect(updated.status == 0, "\(updated)")
        #expect(updated.stdout == "superuser ROOT@example.com updated\n", "\(updated)")

        let missing = try aerie("superuser", "update", "nobody@example.com", "new-password-1", "--dir", "data", in: directory)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.errorMessage?.contains("nobody@example.com") == true, "\(missing)")
        #expect(missing.stdout.isEmpty, "\(missing)")

        let short = try aerie("superuser", "update", "root@example.com", "short", "--dir", "data", in: directory)
        #expect(short.status == 1, "\(short)")
        #expect(short.errorMessage?.contains("\n  password: ") == true, "the field problem is named: \(short)")
    }

    @Test func delete_removesSuperuser_ButRefusesTheLastOne() throws {
        let directory = try TemporaryDirectory()
        #expect(try aerie("superuser", "create", "root@example.com", "password123", "--dir", "data", in: directory).status == 0)

        let last = try aerie("superuser", "delete", "root@example.com", "--dir", "data", in: directory)
        #expect(last.status == 1, "\(last)")
        #expect(last.errorMessage?.contains("last superuser") == true, "\(last)")
        #expect(try aerie("superuser", "list", "--dir", "data", in: directory).stdout == "root@example.com\n")

        #expect(try aerie("superuser", "create", "second@example.com", "password456", "--dir", "data", in: directory).status == 0)
        let deleted = try aerie("superuser", "delete", "Root@Example.com", "--dir", "data", in: directory)
        #expect(deleted.status == 0, "\(deleted)")
        #expect(deleted.stdout == "superuser Root@Example.com deleted\n", "\(deleted)")
        #expect(try aerie("superuser", "list", "--dir", "data", in: directory).stdout == "second@example.com\n")
    }

    @Test func delete_succeeds_WhenAlreadyGone() throws {
        let directory = try TemporaryDirectory()
        let r = try aerie("superuser", "delete", "ghost@example.com", "--dir", "data", in: directory)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("missing or already deleted"), "\(r)")
    }

    @Test(arguments: [["superuser", "update", "root@example.com"], ["superuser", "delete"], ["superuser", "remove", "a@example.com"],
                      ["superuser", "delete", "a@example.com", "extra"]])
    func missingOrExtraArguments_areUsageErrors(_ arguments: [String]) throws {
        let directory = try TemporaryDirectory()
        let r = try AerieProcess(arguments + ["--dir", "data"], in: directory).waitForExit(timeout: .seconds(20))
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("Usage:"), "\(r)")
    }
}
