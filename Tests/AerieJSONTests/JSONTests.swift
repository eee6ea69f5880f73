// Aerie — tests for the JSON value type: accessors, literals and equality
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

@Test func accessors_ReturnPayloadsOfTheirOwnCase() {
    let value: JSON = ["s": "text", "i": 42, "d": 2.5, "whole": 3.0, "b": true, "n": .null, "a": [1, 2], "o": ["k": "v"]]
    #expect(value["s"]?.stringValue == "text")
    #expect(value["i"]?.intValue == 42)
    #expect(value["i"]?.doubleValue == 42)
    #expect(value["d"]?.doubleValue == 2.5)
    #expect(value["d"]?.intValue == nil)
    #expect(value["whole"]?.intValue == 3)
    #expect(value["b"]?.boolValue == true)
    #expect(value["a"]?.arrayValue == [1, 2])
    #expect(value["a"]?[1] == 2)
    #expect(value["a"]?[2] == nil)
    #expect(value["a"]?[-1] == nil)
    #expect(value["o"]?.objectValue?["k"] == "v")
    #expect(value["missing"] == nil)
    #expect(value["s"]?["x"] == nil)
    #expect(value[0] == nil)
    #expect(JSON.null.isNull)
    #expect(!JSON.bool(false).isNull)
    #expect(JSON.string("1").intValue == nil)
    #expect(JSON.double(1e300).intValue == nil)
    #expect(JSON.double(.nan).intValue == nil)
}

@Test func literals_BuildTheMatchingCases() {
    let s: JSON = "x"
    let i: JSON = 7
    let d: JSON = 0.25
    let b: JSON = false
    let a: JSON = [1, "two"]
    let o: JSON = ["b": 1, "a": 2, "b": 3]
    #expect(s == .string("x"))
    guard case .int(7) = i, case .double(0.25) = d, case .bool(false) = b else {
        Issue.record("wrong literal cases")
        return
    }
    #expect(a == .array([.int(1), .string("two")]))
    #expect(o.objectValue?.keys == ["b", "a"])
    #expect(o["b"] == 3)
}

@Test func equality_IsNumericAcrossIntAndDouble() {
    #expect(JSON.int(1) == JSON.double(1.0))
    #expect(JSON.int(0) == JSON.double(-0.0))
    #expect(JSON.int(1) != JSON.double(1.5))
    #expect(JSON.int(1) != JSON.string("1"))
    #expect(JSON.bool(true) != JSON.int(1))
    #expect(Set<JSON>([.int(1), .double(1.0), .double(-0.0), .int(0)]).count == 2)
}

@Test func equality_IgnoresObjectMemberOrder() {
    let a: JSON = ["x": 1, "y": [true]]
    let b: JSON = ["y": [true], "x": 1]
    #expect(a == b)
    #expect(a.hashValue == b.hashValue)
    #expect(a != ["x": 1] as JSON)
    #expect(a != ["x": 1, "z": [true]] as JSON)
    #expect(JSON.array([1, 2]) != JSON.array([2, 1]))
}
