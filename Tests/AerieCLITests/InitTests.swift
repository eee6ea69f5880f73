// Aerie — `aerie init` and `aerie templates`: every template becomes a serving app
// SPDX-License-Identifier: MIT
import AerieTesting
import Foundation
import Glibc
import Testing

/// Every file in `Templates/schemas/`, by name, and one collection each declares.
private let templateCollections: [(String, String)] = [
    ("blank", "users"), ("blog", "posts"), ("chat", "messages"), ("starter", "posts"), ("todo", "todos"),
]

/// The template's source file in the package, which `init` must copy byte for byte.
private func templateSource(_ name: String) throws -> String {
    try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("Templates/schemas/\(name).json"), encoding: .utf8)
}

private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

@Suite struct InitTests {
    @Test(arguments: templateCollections)
    func init_writesTemplate_andServeStartsFromIt(_ template: String, _ collection: String) throws {
        let directory = try TemporaryDirectory()
        let result = try aerie("init", "--template", template, in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        #expect(result.stdout.contains("wrote schema.json (template \(template): "), "\(result)")
        #expect(result.stdout.contains("wrote README.md"), "\(result)")
        #expect(result.stdout.hasSuffix("\n  aerie serve\n"), "\(result)")

        #expect(try read(directory.path + "/schema.json") == templateSource(template))
        let readme = try read(directory.path + "/README.md")
        #expect(readme.contains("(template: \(template))"), "\(readme)")
        #expect(readme.contains("- `\(collection)`"), "\(readme)")
        #expect(readme.contains("\naerie serve\n"), "\(readme)")
        #expect(readme.contains("aerie superuser create"), "\(readme)")

        // No temporary file is left next to the results.
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(entries == ["README.md", "schema.json"])

        // `aerie serve` in that directory picks up ./schema.json and creates every collection.
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        #expect(server.readyLine.contains("using schema schema.json"), "\(server.readyLine)")
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("GET", "/api/health").status == 200)
        // Expression rules may refuse a guest (403), but the collection must exist.
        let list = try client.request("GET", "/api/collections/\(collection)/records")
        #expect(list.status != 404, "\(list.status) \(list.bodyText)")
        #expect(list.status < 500, "\(list.status) \(list.bodyText)")
        client.close()
        let stopped = try server.stop()
        #expect(stopped.status == 0, "\(stopped)")
        #expect(!stopped.stderr.contains("error"), "\(stopped)")
    }

    @Test func init_defaultsToBlank_andCreatesNestedDirectory() throws {
        let directory = try TemporaryDirectory()
        let result = try aerie("init", "apps/my app", in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("wrote apps/my app/schema.json (template blank: users)"), "\(result)")
        #expect(result.stdout.contains("wrote apps/my app/README.md"), "\(result)")
        #expect(result.stdout.hasSuffix("\n  cd 'apps/my app' && aerie serve\n"), "\(result)")
        #expect(try read(directory.path + "/apps/my app/schema.json") == templateSource("blank"))
    }

    @Test func init_refusesExistingSchema_andWritesNothing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", "{\"collections\": []}\n")
        let result = try aerie("init", "--template", "todo", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("error: schema.json already exists; pass --force"), "\(result)")
        #expect(try read(directory.path + "/schema.json") == "{\"collections\": []}\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/README.md"))
    }

    @Test func init_twice_failsTheSecondTime_thenForceOverwrites() throws {
        let directory = try TemporaryDirectory()
        #expect(try aerie("init", "app", "--template", "todo", in: directory).status == 0)
        let again = try aerie("init", "app", "--template", "blog", in: directory)
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.hasPrefix("error: app/schema.json already exists"), "\(again)")
        #expect(try read(directory.path + "/app/schema.json") == templateSource("todo"))

        let forced = try aerie("init", "--force", "app", "--template", "blog", in: directory)
        #expect(forced.status == 0, "\(forced)")
        #expect(try read(directory.path + "/app/schema.json") == templateSource("blog"))
        #expect(try read(directory.path + "/app/README.md").contains("(template: blog)"))
    }

    @Test func init_keepsAnExistingReadme_unlessForced() throws {
        let directory = try TemporaryDirectory()
        try directory.write("README.md", "# mine\n")
        let result = try aerie("init", in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("kept the existing README.md"), "\(result)")
        #expect(try read(directory.path + "/README.md") == "# mine\n")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/schema.json"))

        let forced = try aerie("init", "--force", in: directory)
        #expect(forced.status == 0, "\(forced)")
        #expect(try read(directory.path + "/README.md").contains("(template: blank)"))
    }

    @Test func init_fails_WhenDirIsAFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("taken", "x")
        let result = try aerie("init", "taken", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("error: taken exists and is not a directory"), "\(result)")
    }

    @Test(arguments: [
        UsageCase(["init", "--template", "nope"], "error: unknown template nope; available: blank, blog, chat, starter, todo"),
        UsageCase(["init", "--template"], "error: option --template needs a value"),
        UsageCase(["init", "a", "b"], "error: unexpected argument b"),
        UsageCase(["init", "--force=yes"], "error: flag --force takes no value"),
        UsageCase(["init", "--bogus"], "error: unknown option --bogus"),
        UsageCase(["templates", "extra"], "error: unexpected argument extra"),
    ])
    func usageErrors_exit64_andWriteNothing(_ usage: UsageCase) throws {
        let directory = try TemporaryDirectory()
        let result = try AerieProcess(usage.arguments, in: directory).waitForExit()
        #expect(result.status == 64, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix(usage.message), "\(result)")
        #expect(result.stderr.contains("Usage: aerie \(usage.arguments[0])"), "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func templates_listsEveryTemplateSorted_withItsFirstCommentLine() throws {
        let result = try aerie(["templates"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let names = lines.map { String($0.prefix { $0 != " " }) }
        #expect(names == templateCollections.map(\.0), "\(result)")
        let onDisk = try FileManager.default.contentsOfDirectory(
            atPath: TestPaths.packageRoot.appendingPathComponent("Templates/schemas").path
        ).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == onDisk, "every file in Templates/schemas/ is listed")
        for (line, name) in zip(lines, names) {
            let firstLine = try templateSource(name).split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.hasPrefix("// "), "\(name).json must start with a // description line")
            #expect(line.hasSuffix(String(firstLine.dropFirst(3))), "\(line)")
        }
    }
}
