// Aerie — AerieJSONTests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieJSONTests() { #expect(Bool(true)) }
