// Aerie — the package's hard rules: no package dependencies, and imports point down the layers
// SPDX-License-Identifier: MIT
import Foundation
import Testing

/// One Swift file's `import` lines, by module name.
struct SourceImports {
    var path: String
    var modules: [String]
}

/// The module names imported by every Swift file under `Sources/<target>`.
func imports(inTarget target: String) throws -> [SourceImports] {
    let root = TestPaths.packageRoot.appendingPathComponent("Sources/\(target)")
    guard let walker = FileManager.default.enumerator(atPath: root.path) else {
        throw CLITestError("cannot list \(root.path)")
    }
    // `import X`, `public import X`, `@preconcurrency import X`, `import struct X.Y`, `@_exported import X`…
    let importLine = #/^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?(?:@\w+\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)/#
    var result: [SourceImports] = []
    for case let relative as String in walker where relative.hasSuffix(".swift") {
        let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
        let modules = text.split(separator: "\n").compactMap { line in line.firstMatch(of: importLine).map { String($0.1) } }
        result.append(SourceImports(path: "Sources/\(target)/\(relative)", modules: modules))
    }
    return result
}

@Suite struct PackageTests {
    @Test func manifest_hasNoPackageDependencies() throws {
        let manifest = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let code = manifest.split(separator: "\n").map { line in
            line.range(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
        }.joined(separator: "\n")
        #expect(!code.contains(".package("), "Package.swift must not reference other packages")
        // Only targets have `dependencies:`; at the package level the argument would sit directly in
        // `Package(…)`, i.e. at parenthesis depth 1.
        var depth = 0
        var index = code.startIndex
        let start = code.range(of: "Package(")?.upperBound
        #expect(start != nil, "no Package( call found")
        if let start {
            index = start
            depth = 1
            while index < code.endIndex, depth > 0 {
                let character = code[index]
                if character == "(" || character == "[" { depth += 1 }
                if character == ")" || character == "]" { depth -= 1 }
                if depth == 1, code[index...].hasPrefix("dependencies:") {
                    Issue.record("Package.swift has a package-level `dependencies:` argument")
                }
                index = code.index(after: index)
            }
        }
    }

    @Test func core_neverImportsHTTPOrAPI() throws {
        for file in try imports(inTarget: "AerieCore") {
            let bad = file.modules.filter { ["AerieHTTP", "AerieAPI", "CLinux"].contains($0) }
            #expect(bad.isEmpty, "\(file.path) imports \(bad)")
        }
    }

    @Test(arguments: ["AerieJSON", "AerieSQLite", "AerieCrypto", "AerieHTTP"])
    func levelOne_importsOnlyBaseAndItsOwnCModule(_ target: String) throws {
        let siblingsAndAbove: Set = ["AerieJSON", "AerieSQLite", "AerieCrypto", "AerieHTTP", "AerieFilter",
                                     "AerieCore", "AerieAPI", "AerieTesting", "AerieTemplates"]
        let files = try imports(inTarget: target)
        #expect(!files.isEmpty, "no sources found for \(target)")
        for file in files {
            let bad = file.modules.filter { siblingsAndAbove.contains($0) && $0 != target }
            #expect(bad.isEmpty, "\(file.path) imports \(bad), a sibling or higher layer")
        }
    }

    /// STYLE.md §3.1: CLinux belongs to AerieHTTP, and AerieBase may use it for a syscall (getrandom).
    @Test(arguments: [("CSQLite", ["AerieSQLite"]), ("COpenSSL", ["AerieCrypto"]), ("CLinux", ["AerieHTTP", "AerieBase"])])
    func cModule_isImportedOnlyByItsWrapper(_ module: String, _ wrappers: [String]) throws {
        let wrapper = wrappers.joined(separator: " or ")
        let sources = TestPaths.packageRoot.appendingPathComponent("Sources")
        let targets = try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        for target in targets where !wrappers.contains(target) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: sources.appendingPathComponent(target).path, isDirectory: &isDirectory),
                  isDirectory.boolValue else { continue }
            for file in try imports(inTarget: target) where file.modules.contains(module) {
                Issue.record("\(file.path) imports \(module), which only \(wrapper) may import")
            }
        }
    }

    @Test func importScanner_seesEveryImportForm() throws {
        // Guards the scanner itself: if it missed a form, the layering tests would pass vacuously.
        let files = try imports(inTarget: "AerieCore")
        let all = Set(files.flatMap(\.modules))
        #expect(all.contains("AerieSQLite"), "expected `public import AerieSQLite` in AerieCore, found \(all.sorted())")
        #expect(all.contains("AerieBase"))
        let wrapper = try imports(inTarget: "AerieSQLite")
        #expect(wrapper.contains { $0.modules.contains("CSQLite") }, "AerieSQLite should import CSQLite")
    }
}
