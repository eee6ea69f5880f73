// Aerie — tests for JSONObject: order, replacement, removal and the large-object index
// SPDX-License-Identifier: MIT
import AerieJSON
import Testing

@Test func subscriptSet_ReplacesInPlaceAndAppendsNewKeys() {
    var o = JSONObject()
    #expect(o.isEmpty)
    o["b"] = 1
    o["a"] = 2
    o["b"] = 3
    #expect(o.keys == ["b", "a"])
    #expect(o["b"] == 3)
    #expect(o.count == 2)
    #expect(o.contains(key: "a"))
    #expect(!o.contains(key: "c"))
    o["b"] = nil
    #expect(o.keys == ["a"])
    o["missing"] = nil
    #expect(o.count == 1)
}

@Test func initPairs_LaterDuplicatesReplaceEarlierValuesInPlace() {
    let o = JSONObject([("k", 1), ("j", 2), ("k", 3)])
    #expect(o.keys == ["k", "j"])
    #expect(o.values == [3, 2])
    let literal: JSONObject = ["x": true, "y": .null]
    #expect(Array(literal.map(\.key)) == ["x", "y"])
    #expect(literal.map(\.value) == [true, .null])
}

@Test func largeObjects_KeepLookupRemovalAndOrderConsistent() {
    var o = JSONObject()
    for i in 0..<200 { o["k\(i)"] = .int(Int64(i)) }
    #expect(o.count == 200)
    #expect(o["k150"] == 150)
    o["k10"] = nil
    o["k0"] = nil
    #expect(o.count == 198)
    #expect(o["k10"] == nil)
    #expect(o["k11"] == 11)
    #expect(o["k199"] == 199)
    #expect(o.keys.first == "k1")
    o["k10"] = "back"
    #expect(o.keys.last == "k10")
    #expect(o["k10"] == "back")
    for (i, (key, _)) in o.enumerated() { #expect(o.keys[i] == key) }
    // Shrinking back below the index threshold still finds everything.
    for i in 0..<195 { o["k\(i)"] = nil }
    #expect(o.keys == ["k195", "k196", "k197", "k198", "k199"])
    #expect(o["k197"] == 197)
}

@Test func equality_IsOrderInsensitiveAndHashConsistent() {
    var a = JSONObject()
    var b = JSONObject()
    for i in 0..<30 { a["k\(i)"] = .int(Int64(i)) }
    for i in (0..<30).reversed() { b["k\(i)"] = .double(Double(i)) }
    #expect(a == b)
    #expect(a.hashValue == b.hashValue)
    b["k3"] = "changed"
    #expect(a != b)
}
