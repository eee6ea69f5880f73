// Aerie — AerieAPITests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieAPITests() { #expect(Bool(true)) }
