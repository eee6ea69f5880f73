// Aerie — AerieCryptoTests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieCryptoTests() { #expect(Bool(true)) }
