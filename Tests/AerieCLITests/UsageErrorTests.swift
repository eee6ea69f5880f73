// Aerie — usage mistakes exit 64 with `error:` and the usage on stderr
// SPDX-License-Identifier: MIT
import Foundation
import Testing

/// One wrong command line and the message it must produce.
struct UsageCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var message: String
    var testDescription: String { "aerie " + arguments.joined(separator: " ") }

    init(_ arguments: [String], _ message: String) {
        self.arguments = arguments
        self.message = message
    }
}

@Suite struct UsageErrorTests {
    @Test(arguments: [
        UsageCase(["bogus"], "error: unknown command bogus"),
        UsageCase(["serve", "--bogus"], "error: unknown option --bogus"),
        UsageCase(["serve", "--bogus", "value"], "error: unknown option --bogus"),
        UsageCase(["serve", "--bogus=value"], "error: unknown option --bogus"),
        UsageCase(["serve", "-x"], "error: unknown option -x"),
        UsageCase(["serve", "--http"], "error: option --http needs a value"),
        UsageCase(["serve", "--http", "--quiet"], "error: option --http needs a value"),
        UsageCase(["serve", "--http", "nonsense"], "error: --http must look like"),
        UsageCase(["serve", "--http", "1.2.3.4:99999"], "error: --http must look like"),
        UsageCase(["serve", "--http=127.0.0.1:-1"], "error: --http must look like"),
        UsageCase(["serve", "--origins", ","], "error: --origins needs at least one origin"),
        UsageCase(["serve", "--quiet=yes"], "error: flag --quiet takes no value"),
        UsageCase(["serve", "extra"], "error: unexpected argument extra"),
        UsageCase(["superuser"], "error: missing action"),
        UsageCase(["superuser", "frobnicate"], "error: unknown superuser action frobnicate"),
        UsageCase(["superuser", "create"], "error: missing EMAIL"),
        UsageCase(["superuser", "create", "a@example.com"], "error: missing PASSWORD"),
        UsageCase(["superuser", "list", "extra"], "error: unexpected argument extra"),
        UsageCase(["superuser", "create", "a@example.com", "password123", "extra"], "error: unexpected argument extra"),
        UsageCase(["version", "extra"], "error: unexpected argument extra"),
        UsageCase(["schema"], "error: missing action"),
        UsageCase(["schema", "migrate"], "error: unknown schema action migrate"),
        UsageCase(["schema", "import-pocketbase"], "error: missing FILE"),
        UsageCase(["schema", "validate", "--dir", "x"], "error: unknown option --dir"),
        UsageCase(["schema", "plan", "--allow-data-loss"], "error: unknown option --allow-data-loss"),
        UsageCase(["schema", "apply", "--allow-data-loss=yes"], "error: flag --allow-data-loss takes no value"),
        UsageCase(["backup"], "error: missing action"),
        UsageCase(["backup", "restore"], "error: missing NAME"),
        UsageCase(["backup", "create", "../elsewhere"], "error: backup names may use letters"),
        UsageCase(["backup", "list", "extra"], "error: unexpected argument extra"),
        UsageCase(["records", "export"], "error: missing COLLECTION"),
        UsageCase(["records", "import", "posts"], "error: missing FILE"),
        UsageCase(["records", "delete", "posts"], "error: unknown records action delete"),
        UsageCase(["records", "export", "posts", "--format", "xml"], "error: --format must be ndjson or csv"),
    ])
    func usageError_exits64WithMessageAndUsage(_ usage: UsageCase) throws {
        let directory = try TemporaryDirectory()
        let result = try AerieProcess(usage.arguments, in: directory).waitForExit()
        #expect(result.status == 64, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix(usage.message), "\(result)")
        #expect(result.stderr.contains("Usage: aerie"), "usage text missing: \(result)")
        // A usage error is caught before anything touches the disk.
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/aerie_data"))
    }
}
