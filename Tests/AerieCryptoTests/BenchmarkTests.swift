// Aerie — opt-in timing of password hashing (AERIE_BENCHMARK=1 swift test -c release --filter AerieCryptoTests.Benchmark)
// SPDX-License-Identifier: MIT
import Foundation
import Testing
@testable import AerieCrypto

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AERIE_BENCHMARK"] == "1"))
struct BenchmarkTests {
    @Test func passwordHashMake_WithDefaultParameters() {
        var timings: [Duration] = []
        var encoded = ""
        for _ in 0..<5 {
            let start = ContinuousClock.now
            encoded = PasswordHash.make(password: "correct horse battery staple")
            timings.append(ContinuousClock.now - start)
        }
        let start = ContinuousClock.now
        #expect(PasswordHash.verify(password: "correct horse battery staple", encoded: encoded))
        let verify = ContinuousClock.now - start
        print("BENCH PasswordHash.make (ln=14,r=8,p=5): min \(timings.min() ?? .zero), all \(timings); verify \(verify)")
    }
}
