// Aerie — aerie version
// SPDX-License-Identifier: MIT

/// The release this binary was built from.
let aerieVersion = "0.1.0"

/// `aerie version`: prints the version.
struct VersionCommand: Command {
    static let name = "version"
    static let abstract = "Print the version"
    static let usage = "Usage: aerie version"

    init(arguments: inout Arguments) throws {}

    func run() throws { printOut("aerie \(aerieVersion)") }
}
