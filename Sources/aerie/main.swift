// Aerie — the aerie command
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// Every command, in help order.
let commands: [any Command.Type] = [InitCommand.self, ServeCommand.self, SchemaCommand.self, BackupCommand.self, RecordsCommand.self,
                                    SuperuserCommand.self, TemplatesCommand.self, VersionCommand.self]

let overview = """
    aerie — a backend in one binary: a schema file in, a REST API out.

    Usage: aerie <command> [options]

    Commands:
    \(commands.map { "  " + $0.name.padding(12) + $0.abstract }.joined(separator: "\n"))
      help        Show help for a command

    Run `aerie help <command>` or `aerie <command> --help` for a command's options.
    """

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

@MainActor func help(for command: any Command.Type) -> String {
    "\(command.abstract)\n\n\(command.usage)"
}

@MainActor func main() -> Int32 {
    var argv = Array(CommandLine.arguments.dropFirst())
    guard let name = argv.first else {
        printErr(overview)
        return 64
    }
    argv.removeFirst()
    if name == "help" || name == "-h" || name == "--help" {
        if let topic = argv.first {
            guard let command = commands.first(where: { $0.name == topic }) else {
                printErr("error: unknown command \(topic)\n\n\(overview)")
                return 64
            }
            printOut(help(for: command))
        } else {
            printOut(overview)
        }
        return 0
    }
    if name == "--version" {
        printOut("aerie \(aerieVersion)")
        return 0
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        printErr("error: unknown command \(name)\n\n\(overview)")
        return 64
    }
    do {
        var arguments = try Arguments(argv, flags: ["quiet", "force", "allow-data-loss"])
        if arguments.wantsHelp {
            printOut(help(for: command))
            return 0
        }
        let parsed = try command.init(arguments: &arguments)
        try arguments.finish()
        try parsed.run()
        return 0
    } catch let error as UsageError {
        printErr("error: \(error)\n\n\(command.usage)")
        return 64
    } catch {
        printErr("error: \(error)")
        return 1
    }
}

exit(main())
