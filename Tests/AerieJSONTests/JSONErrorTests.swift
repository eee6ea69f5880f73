// Aerie — tests for JSONError: description and line/column mapping
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

@Test func description_IsReasonAtByte() {
    #expect(JSONError(offset: 12, reason: "unterminated string").description == "unterminated string at byte 12")
}

@Test(arguments: [
    (0, 1, 1), (1, 1, 2), (2, 2, 1), (6, 2, 5), (9, 3, 1), (10, 3, 2), (99, 3, 2), (-5, 1, 1),
])
func lineColumn_IsOneBasedInBytes(_ offset: Int, _ line: Int, _ column: Int) {
    let bytes = Array("{\n  \"a\":\n,".utf8)
    let position = JSONError.lineColumn(of: offset, in: bytes)
    #expect(position.line == line && position.column == column)
}

@Test func lineColumn_PointsAtTheParserError() throws {
    let bytes = Array("{\n  \"title\": \"ok\",\n  \"n\": 01\n}".utf8)
    do {
        _ = try JSONParser.parse(bytes)
        Issue.record("accepted")
    } catch {
        #expect(error.reason == "leading zero in number")
        let position = JSONError.lineColumn(of: error.offset, in: bytes)
        #expect(position.line == 3 && position.column == 8)
    }
}
