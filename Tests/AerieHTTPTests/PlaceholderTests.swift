// Aerie — AerieHTTPTests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieHTTPTests() { #expect(Bool(true)) }
