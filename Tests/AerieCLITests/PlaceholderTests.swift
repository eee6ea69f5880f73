// Aerie — AerieCLITests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieCLITests() { #expect(Bool(true)) }
