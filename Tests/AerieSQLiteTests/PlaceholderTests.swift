// Aerie — AerieSQLiteTests placeholder
// SPDX-License-Identifier: MIT
import Testing

@Test func placeholder_AerieSQLiteTests() { #expect(Bool(true)) }
