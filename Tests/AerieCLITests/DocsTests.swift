// Aerie — docs/cli.md carries every command's help text word for word
// SPDX-License-Identifier: MIT
import Foundation
import Testing

@Suite struct DocsTests {
    static let commands = ["init", "serve", "schema", "backup", "records", "superuser", "templates", "version"]

    func cliDoc() throws -> String {
        try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/cli.md"), encoding: .utf8)
    }

    @Test(arguments: commands)
    func cliDoc_containsHelpText(_ command: String) throws {
        let help = try aerie(["help", command])
        #expect(help.status == 0, "\(help)")
        let block = "```\n" + help.stdout + "```\n"
        #expect(try cliDoc().contains(block), "docs/cli.md lacks the current help of `aerie \(command)`:\n\(help.stdout)")
    }

    @Test func cliDoc_containsOverview() throws {
        let overview = try aerie(["help"])
        #expect(try cliDoc().contains("```\n" + overview.stdout + "```\n"), "docs/cli.md lacks the current overview")
    }

    @Test func overview_listsEveryDocumentedCommand() throws {
        let overview = try aerie(["help"]).stdout
        for command in Self.commands { #expect(overview.contains("\n  \(command) "), "\(command) missing from the overview") }
    }
}
