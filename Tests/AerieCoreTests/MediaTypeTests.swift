// Aerie — mimeTypes matching: exact, aliases, parents and extension refinement of generic sniffs
// SPDX-License-Identifier: MIT
@testable import AerieCore
import Testing

@Suite struct MediaTypeTests {
    @Test(arguments: [
        ("image/png", "a.png", ["image/png"], true),
        ("image/jpeg", "a.jpg", ["image/jpg"], true),
        ("text/plain; charset=utf-8", "a.txt", ["text/plain"], true),
        ("application/pdf", "a.pdf", ["image/png", "text/plain"], false),
        ("application/pdf", "a.pdf", ["application/octet-stream"], true),
        ("application/zip", "report.docx", ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"], true),
        ("application/zip", "report.zip", ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"], false),
        ("text/plain; charset=utf-8", "data.csv", ["text/csv"], true),
        ("text/plain; charset=utf-8", "data.json", ["application/json"], true),
        ("application/octet-stream", "evil.png", ["image/png"], false),
        ("image/svg+xml", "a.svg", ["image/png"], false),
    ])
    func matches(_ detected: String, _ name: String, _ allowed: [String], _ expected: Bool) {
        #expect(MediaType.matches(detected, name: name, anyOf: allowed) == expected)
    }
}
