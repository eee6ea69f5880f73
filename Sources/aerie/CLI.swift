// Aerie — a small command-line framework: parse, validate, run
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import AerieBase
import Glibc
#endif

/// A usage mistake: printed to stderr with the command's usage, exit code 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A failure while running: printed to stderr, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One `aerie` command.
protocol Command {
    static var name: String { get }
    static var abstract: String { get }
    static var usage: String { get }
    /// Parses arguments (after the command name) into a ready-to-run command.
    init(arguments: inout Arguments) throws
    func run() throws
}

/// Splits argv into options and positionals; accepts `--x v` and `--x=v`.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [(String, String?)] = []
    private var consumed = Set<Int>()
    var wantsHelp = false

    init(_ argv: [String], flags: Set<String>) throws {
        var i = 0
        var onlyPositionals = false
        while i < argv.count {
            let a = argv[i]
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                positionals.append(a)
            } else if a == "--" {
                onlyPositionals = true
            } else if a == "-h" || a == "--help" {
                wantsHelp = true
            } else if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    options.append((String(body[..<eq]), String(body[body.index(after: eq)...])))
                } else if flags.contains(String(body)) {
                    options.append((String(body), nil))
                } else if i + 1 < argv.count, !argv[i + 1].hasPrefix("--") {
                    options.append((String(body), argv[i + 1]))
                    i += 1
                } else {
                    // No value follows: record the option bare, so `option(_:)` reports a missing
                    // value for a known option and `finish()` reports an unknown one as unknown.
                    options.append((String(body), nil))
                }
            } else {
                throw UsageError("unknown option \(a)")
            }
            i += 1
        }
    }

    /// The value of `--name`, if given (the last one wins).
    mutating func option(_ name: String) throws -> String? {
        var value: String?
        for (i, (n, v)) in options.enumerated() where n == name {
            guard let v else { throw UsageError("option --\(name) needs a value") }
            value = v
            consumed.insert(i)
        }
        return value
    }

    /// Whether the flag `--name` was given.
    mutating func flag(_ name: String) throws -> Bool {
        var present = false
        for (i, (n, v)) in options.enumerated() where n == name {
            if v != nil { throw UsageError("flag --\(name) takes no value") }
            present = true
            consumed.insert(i)
        }
        return present
    }

    /// Removes and returns the first positional argument.
    mutating func positional(_ what: String) throws -> String {
        guard !positionals.isEmpty else { throw UsageError("missing \(what)") }
        return positionals.removeFirst()
    }

    /// Fails on anything not consumed.
    func finish() throws {
        for (i, (n, _)) in options.enumerated() where !consumed.contains(i) { throw UsageError("unknown option --\(n)") }
        if let extra = positionals.first { throw UsageError("unexpected argument \(extra)") }
    }
}

/// Writes text to a file descriptor in full.
func write(_ text: String, to fd: Int32) {
    FileDescriptor.writeAll(fd, Array(text.utf8))
}

func printOut(_ text: String) { write(text + "\n", to: 1) }
func printErr(_ text: String) { write(text + "\n", to: 2) }
