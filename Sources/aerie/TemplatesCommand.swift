// Aerie — aerie templates, and the catalogue of schema templates embedded from Templates/schemas/
// SPDX-License-Identifier: MIT
import AerieBase
import AerieTemplates

/// One schema template: `Templates/schemas/<name>.json`, embedded in the binary at build time.
struct SchemaTemplate {
    static let directory = "schemas/"
    static let fileExtension = ".json"
    /// The template `aerie init` uses without `--template`.
    static let defaultName = "blank"

    var name: String
    var text: String

    /// Every embedded template, sorted by name.
    static var all: [SchemaTemplate] {
        Templates.paths.compactMap { path -> SchemaTemplate? in
            guard path.hasPrefix(directory), path.hasSuffix(fileExtension) else { return nil }
            let name = String(path.dropFirst(directory.count).dropLast(fileExtension.count))
            guard !name.isEmpty, !name.contains("/"), let text = Templates.text(at: path) else { return nil }
            return SchemaTemplate(name: name, text: text)
        }.sorted { $0.name < $1.name }
    }

    /// The template called `name`, or nil.
    static func named(_ name: String) -> SchemaTemplate? { all.first { $0.name == name } }

    /// The leading `//` comment lines, without the slashes: the first is the one-line summary,
    /// the rest say more (the README repeats them all).
    var commentLines: [String] {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingASCII(" \t\r")
            guard trimmed.hasPrefix("//") else { break }
            lines.append(trimmed.dropFirst(2).trimmingASCII(" \t"))
        }
        return lines
    }

    /// The first comment line, shown by `aerie templates`.
    var summary: String { commentLines.first ?? "" }
}

/// `aerie templates`: lists the schema templates `aerie init` can start from.
struct TemplatesCommand: Command {
    static let name = "templates"
    static let abstract = "List the schema templates for aerie init"
    static let usage = """
        Usage: aerie templates

        Prints one line per template: its name and what it contains. Start an app from one with
        `aerie init DIR --template NAME`.
        """

    init(arguments: inout Arguments) throws {}

    func run() throws {
        let templates = SchemaTemplate.all
        let width = (templates.map(\.name.count).max() ?? 0) + 2
        for template in templates {
            printOut(template.name.padding(width) + template.summary)
        }
    }
}
