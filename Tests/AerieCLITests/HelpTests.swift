// Aerie — golden tests for the help text of every command
// SPDX-License-Identifier: MIT
import Foundation
import Testing

/// Compares `actual` with `Golden/<name>`; with `AERIE_UPDATE_GOLDEN=1` rewrites the file instead.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let file = TestPaths.goldenDirectory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["AERIE_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: TestPaths.goldenDirectory, withIntermediateDirectories: true)
        try actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("missing golden file \(file.path); run with AERIE_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "output differs from \(file.path); run with AERIE_UPDATE_GOLDEN=1 to accept it",
            sourceLocation: sourceLocation)
}

@Suite struct HelpTests {
    @Test(arguments: [["help"], ["--help"], ["-h"]])
    func overview_printsToStdout_WhenAsked(_ arguments: [String]) throws {
        let result = try aerie(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        try expectGolden(result.stdout, "help.txt")
    }

    @Test func overview_printsToStderrWithUsageStatus_WhenNoArguments() throws {
        let result = try aerie([])
        #expect(result.status == 64, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        try expectGolden(result.stderr, "help.txt")
    }

    @Test(arguments: ["serve", "schema", "backup", "records", "superuser", "version", "init", "templates"])
    func commandHelp_isIdentical_ForHelpCommandAndFlags(_ command: String) throws {
        let forms = [["help", command], [command, "--help"], [command, "-h"], ["--help", command]]
        var outputs: [String] = []
        for arguments in forms {
            let result = try aerie(arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(result.stderr.isEmpty, "\(arguments): \(result)")
            outputs.append(result.stdout)
        }
        #expect(Set(outputs).count == 1, "help forms differ: \(outputs)")
        try expectGolden(outputs[0], "help-\(command).txt")
    }

    @Test func commandHelp_winsOverOtherArguments_WhenHelpFlagGiven() throws {
        // `--help` after real options still prints help rather than running the command.
        let result = try aerie(["superuser", "create", "a@example.com", "password123", "--help"])
        #expect(result.status == 0, "\(result)")
        try expectGolden(result.stdout, "help-superuser.txt")
    }

    @Test func helpForUnknownCommand_isUsageError() throws {
        let result = try aerie(["help", "bogus"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.hasPrefix("error: unknown command bogus"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [["version"], ["--version"]])
    func version_printsSemver(_ arguments: [String]) throws {
        let result = try aerie(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let pattern = #/^aerie (0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\n$/#
        #expect(result.stdout.wholeMatch(of: pattern) != nil, "not `aerie <semver>`: \(result)")
    }
}
