// Aerie — aerie superuser
// SPDX-License-Identifier: MIT
import AerieCore

/// `aerie superuser create|upsert|list`: manages superusers in a data directory.
struct SuperuserCommand: Command {
    static let name = "superuser"
    static let abstract = "Create, update or list superusers"
    static let usage = """
        Usage: aerie superuser create EMAIL PASSWORD [--dir ./aerie_data]
               aerie superuser upsert EMAIL PASSWORD [--dir ./aerie_data]
               aerie superuser list [--dir ./aerie_data]

        create fails when the email exists; upsert sets the password of an existing superuser instead.
        The password needs at least 8 characters. Works with or without a running server and never
        changes the app's own collections.
        """

    enum Action { case create(String, String, upsert: Bool), list }
    var action: Action
    var directory = "./aerie_data"

    init(arguments: inout Arguments) throws {
        let verb = try arguments.positional("action (create, upsert or list)")
        switch verb {
        case "create", "upsert":
            let email = try arguments.positional("EMAIL")
            let password = try arguments.positional("PASSWORD")
            action = .create(email, password, upsert: verb == "upsert")
        case "list":
            action = .list
        default:
            throw UsageError("unknown superuser action \(verb) (create, upsert or list)")
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
            do {
                try app.createSuperuser(email: email, password: password, upsert: upsert)
            } catch CoreError.badRequest(let message, let fields) {
                let details = fields.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value.message)" }.joined(separator: "\n")
                throw CommandFailure(details.isEmpty ? message : "\(message)\n\(details)")
            }
            printOut("superuser \(email) \(upsert ? "saved" : "created")")
        case .list:
            for email in try app.superuserEmails() { printOut(email) }
        }
    }
}
