// Aerie — runs the built `aerie` binary as a subprocess for black-box CLI tests
// SPDX-License-Identifier: MIT
import Foundation
import Glibc
import Testing

/// Where the test sources and the built binary live, derived from this file's path.
enum TestPaths {
    /// `<package root>`: this file is `Tests/AerieCLITests/AerieProcess.swift`, three levels down.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/AerieCLITests/Golden/`.
    static let goldenDirectory: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// `AERIE_BINARY` when set, else `<package root>/.build/debug/aerie` (`swift build --build-tests` builds it).
    static func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["AERIE_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/debug/aerie").path
        guard access(path, X_OK) == 0 else {
            // A missing binary must fail loudly: skipping would hide that no CLI test ran.
            throw CLITestError("""
                the aerie binary is missing or not executable at \(path); \
                run `swift build --build-tests` first, or set AERIE_BINARY to the binary to test
                """)
        }
        return path
    }
}

/// A failure inside the test helpers themselves.
struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temp dir, removed when the value is released.
final class TemporaryDirectory {
    let path: String
    var url: URL { URL(fileURLWithPath: path) }

    init() throws {
        path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aerie-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }
}

/// The outcome of a finished run.
struct AerieResult: CustomStringConvertible {
    /// The exit code, or 128 + signal number when a signal ended the process.
    var status: Int32
    var stdout: String
    var stderr: String

    /// stderr from the first line starting with `error: ` (schema migration notes may come before it).
    var errorMessage: String? {
        if stderr.hasPrefix("error: ") { return stderr }
        return stderr.range(of: "\nerror: ").map { String(stderr[stderr.index(after: $0.lowerBound)...]) }
    }

    var description: String { "exit \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)" }
}

/// A running `aerie` process whose output is collected as it arrives.
///
/// A reader thread blocks in `poll(2)` on both pipes and wakes waiters through a condition
/// variable, so tests wait for output with a deadline instead of sleeping.
final class AerieProcess {
    private let process = Process()
    private let output = OutputBox()
    /// The child's pid once launched; 0 before, so nothing is ever sent to `kill(0, …)` (our own group).
    private var pid: pid_t = 0
    /// The child's pid (0 before launch), e.g. to read `/proc/<pid>/status`.
    var processID: pid_t { pid }
    /// When `run()` was called, for start-up timings.
    let startedAt = ContinuousClock.now

    /// Starts `aerie arguments…` with `directory` as its working directory.
    init(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: try TestPaths.binary())
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.currentDirectoryURL = directory.url
        process.standardInput = FileHandle.nullDevice
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let box = output
        process.terminationHandler = { finished in
            let status = finished.terminationReason == .uncaughtSignal
                ? 128 + finished.terminationStatus : finished.terminationStatus
            box.update { $0.exitStatus = status }
        }
        try process.run()
        pid = process.processIdentifier
        let fds = (stdoutPipe.fileHandleForReading.fileDescriptor, stderrPipe.fileHandleForReading.fileDescriptor)
        // The pipes stay referenced by the closure so their read ends remain open until EOF.
        Thread.detachNewThread { [stdoutPipe, stderrPipe] in
            Self.collect(stdout: fds.0, stderr: fds.1, into: box)
            _ = (stdoutPipe, stderrPipe)
        }
    }

    deinit {
        // Never leave a server behind when a test fails half-way.
        if pid > 0, output.snapshot().exitStatus == nil { kill(pid, SIGKILL) }
    }

    /// Everything written to stdout so far.
    var stdout: String { output.snapshot().stdoutText }
    /// Everything written to stderr so far.
    var stderr: String { output.snapshot().stderrText }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        precondition(pid > 0, "signalling a process that never started")
        kill(pid, signal)
    }

    /// Waits until stderr contains a whole line containing `needle` and returns that line.
    func waitForStderrLine(containing needle: String, timeout: Duration = .seconds(10)) throws -> String {
        try waitForLine(containing: needle, in: \.stderrText, stream: "stderr", timeout: timeout)
    }

    /// Waits until stdout contains a whole line containing `needle` and returns that line.
    func waitForStdoutLine(containing needle: String, timeout: Duration = .seconds(10)) throws -> String {
        try waitForLine(containing: needle, in: \.stdoutText, stream: "stdout", timeout: timeout)
    }

    /// Waits for the process to exit and both pipes to close; kills it after `timeout`.
    func waitForExit(timeout: Duration = .seconds(20)) throws -> AerieResult {
        let finished = output.wait(timeout: timeout) { $0.exitStatus != nil && $0.isStdoutClosed && $0.isStderrClosed }
        let state = output.snapshot()
        guard finished, let status = state.exitStatus else {
            send(SIGKILL)
            throw CLITestError("aerie \(process.arguments ?? []) did not exit within \(timeout)\n"
                + "--- stdout ---\n\(state.stdoutText)--- stderr ---\n\(state.stderrText)")
        }
        return AerieResult(status: status, stdout: state.stdoutText, stderr: state.stderrText)
    }

    private func waitForLine(
        containing needle: String, in text: KeyPath<OutputBox.State, String>, stream: String, timeout: Duration
    ) throws -> String {
        func line(in state: OutputBox.State) -> String? {
            state[keyPath: text].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .first { $0.contains(needle) }.map(String.init)
        }
        _ = output.wait(timeout: timeout) { line(in: $0) != nil || $0.exitStatus != nil }
        let state = output.snapshot()
        guard let found = line(in: state) else {
            throw CLITestError("no \(stream) line containing \"\(needle)\" within \(timeout)"
                + (state.exitStatus.map { " (exited with \($0))" } ?? "")
                + "\n--- stdout ---\n\(state.stdoutText)--- stderr ---\n\(state.stderrText)")
        }
        return found
    }

    /// The reader thread's loop: copies both pipes into `box` until both reach EOF.
    private static func collect(stdout: Int32, stderr: Int32, into box: OutputBox) {
        var open = [stdout, stderr]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let rc = poll(&fds, nfds_t(fds.count), -1)
            if rc < 0 { if errno == EINTR { continue }; break }
            for pfd in fds where pfd.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(pfd.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                let isStdout = pfd.fd == stdout
                if n <= 0 {
                    open.removeAll { $0 == pfd.fd }
                    box.update { if isStdout { $0.isStdoutClosed = true } else { $0.isStderrClosed = true } }
                } else {
                    let bytes = chunk[0..<n]
                    box.update { if isStdout { $0.stdout += bytes } else { $0.stderr += bytes } }
                }
            }
        }
        // Make sure waiters see both streams closed even after a poll failure.
        box.update { $0.isStdoutClosed = true; $0.isStderrClosed = true }
    }
}

/// Output and exit status shared between the reader thread, Foundation's termination handler
/// and the test.
// @unchecked Sendable: `state` is only read or written while holding `condition`.
final class OutputBox: @unchecked Sendable {
    struct State {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var isStdoutClosed = false
        var isStderrClosed = false
        var exitStatus: Int32?
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    private var state = State()
    private let condition = NSCondition()

    func update(_ change: (inout State) -> Void) {
        condition.lock()
        change(&state)
        condition.broadcast()
        condition.unlock()
    }

    func snapshot() -> State {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// Blocks until `isDone(state)` or the timeout; returns whether the condition was met.
    func wait(timeout: Duration, until isDone: (State) -> Bool) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !isDone(state) {
            if !condition.wait(until: deadline) { return isDone(state) }
        }
        return true
    }
}

/// Runs `aerie arguments…` in `directory` to completion.
func aerie(_ arguments: String..., in directory: TemporaryDirectory, timeout: Duration = .seconds(20)) throws -> AerieResult {
    try AerieProcess(arguments, in: directory).waitForExit(timeout: timeout)
}

/// Runs `aerie arguments…` in a fresh temporary directory to completion.
func aerie(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(20)) throws -> AerieResult {
    let directory = try TemporaryDirectory()
    return try AerieProcess(arguments, in: directory, environment: environment).waitForExit(timeout: timeout)
}

/// Runs `aerie arguments…` in `directory` to completion.
func aerie(_ arguments: [String], in directory: TemporaryDirectory, timeout: Duration = .seconds(20)) throws -> AerieResult {
    try AerieProcess(arguments, in: directory).waitForExit(timeout: timeout)
}
