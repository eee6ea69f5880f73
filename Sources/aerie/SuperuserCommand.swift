// Aerie — aerie superuser
// SPDX-License-Identifier: MIT
import AerieCore

/// `aerie superuser create|upsert|update|delete|list`: manages superusers in a data directory.
struct SuperuserCommand: Command {
    static let name = "superuser"
    static let abstract = "Create, update, delete or list superusers"
    static let usage = """
        Usage: aerie superuser create EMAIL PASSWORD [--dir ./aerie_data]
               aerie superuser upsert EMAIL PASSWORD [--dir ./aerie_data]
               aerie superuser update EMAIL NEWPASSWORD [--dir ./aerie_data]
               aerie superuser delete EMAIL [--dir ./aerie_data]
               aerie superuser list [--dir ./aerie_data]

        create fails when the email exists; upsert sets the password of an existing superuser instead;
        update sets the password of an existing superuser and fails when there is none. A new password
        ends that superuser's sessions. delete refuses to remove the last superuser. The password needs
        at least 8 characters. Works with or without a running server and never changes the app's own
        collections.
        """

    enum Action {
        case create(String, String, upsert: Bool)
        case update(String, String)
        case delete(String)
        case list
    }
    var action: Action
    var directory = "./aerie_data"

    init(arguments: inout Arguments) throws {
        let actions = "create, upsert, update, delete or list"
        let verb = try arguments.positional("action (\(actions))")
        switch verb {
        case "create", "upsert":
            let email = try arguments.positional("EMAIL")
            let password = try arguments.positional("PASSWORD")
            action = .create(email, password, upsert: verb == "upsert")
        case "update":
            let email = try arguments.positional("EMAIL")
            let password = try arguments.positional("NEWPASSWORD")
            action = .update(email, password)
        case "delete":
            action = .delete(try arguments.positional("EMAIL"))
        case "list":
            action = .list
        default:
            throw UsageError("unknown superuser action \(verb) (\(actions))")
        }
        if let dir = try arguments.option("dir") { directory = dir }
    }

    func run() throws {
        let app: App
        do {
            app = try App.openSystem(directory: directory)
        } catch let error as StartupError {
            throw CommandFailure(error.description)
        }
        defer { app.close() }
        switch action {
        case .create(let email, let password, let upsert):
            try reportingFailures { try app.createSuperuser(email: email, password: password, upsert: upsert) }
            printOut("superuser \(email) \(upsert ? "saved" : "created")")
        case .update(let email, let password):
            try reportingFailures { try app.updateSuperuserPassword(email: email, password: password) }
            printOut("superuser \(email) updated")
        case .delete(let email):
            var deleted = false
            try reportingFailures { deleted = try app.deleteSuperuser(email: email) }
            // Like PocketBase, deleting a missing superuser is not an error: the goal state holds.
            printOut(deleted ? "superuser \(email) deleted" : "superuser \(email) is missing or already deleted")
        case .list:
            for email in try app.superuserEmails() { printOut(email) }
        }
    }

    /// Turns a domain error into a failure message, listing field problems one per line.
    private func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch CoreError.badRequest(let message, let fields) {
            let details = fields.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value.message)" }.joined(separator: "\n")
            throw CommandFailure(details.isEmpty ? message : "\(message)\n\(details)")
        } catch CoreError.notFound(let message) {
            throw CommandFailure(message)
        }
    }
}
