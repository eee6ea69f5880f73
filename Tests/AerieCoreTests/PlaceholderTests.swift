// Aerie — AerieCoreTests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieCoreTests() { #expect(Bool(true)) }
