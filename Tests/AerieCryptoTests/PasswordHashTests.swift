// Aerie — PasswordHash tests
// SPDX-License-Identifier: MIT
import AerieBase
import Testing
@testable import AerieCrypto

@Suite struct PasswordHashTests {
    /// Cheap parameters so the suite stays fast; the default is exercised once below.
    static let fast = ScryptParameters(logN: 4, r: 1, p: 1)

    @Test func makeThenVerify_WithDefaultParameters() {
        let encoded = PasswordHash.make(password: "correct horse battery staple")
        #expect(encoded.hasPrefix("$scrypt$ln=14,r=8,p=5$"))
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 5)
        #expect(parts[3].utf8.count == 22)  // 16 bytes, unpadded
        #expect(parts[4].utf8.count == 43)  // 32 bytes, unpadded
        #expect(PasswordHash.verify(password: "correct horse battery staple", encoded: encoded))
        #expect(!PasswordHash.verify(password: "correct horse battery stapl", encoded: encoded))
        #expect(!PasswordHash.needsRehash(encoded))
    }

    @Test(arguments: ["", "pässwörd 🔑", "a\u{0}b", String(repeating: "x", count: 10_000)])
    func roundTrips(_ password: String) {
        let encoded = PasswordHash.make(password: password, parameters: Self.fast)
        #expect(PasswordHash.verify(password: password, encoded: encoded))
        #expect(!PasswordHash.verify(password: password + "!", encoded: encoded))
    }

    @Test func saltsDiffer_ForSamePassword() {
        let a = PasswordHash.make(password: "same", parameters: Self.fast)
        let b = PasswordHash.make(password: "same", parameters: Self.fast)
        #expect(a != b)
    }

    /// A valid cheap hash of "pw" to mutate.
    static let valid = PasswordHash.encode(
        parameters: fast, salt: Array(0..<16), key: (try? Crypto.scrypt(password: "pw".utf8, salt: Array(0..<16) as [UInt8], logN: 4, r: 1, p: 1, length: 32)) ?? [])

    @Test func validFixtureVerifies() {
        #expect(PasswordHash.verify(password: "pw", encoded: Self.valid))
    }

    @Test(arguments: [
        "",
        "$",
        "$scrypt$",
        "scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$AAAA",
        "$bcrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=99,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=21,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=0,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=20,r=64,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),   // 8 GiB
        "$scrypt$ln=14,r=8,p=9999$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43), // work
        "$scrypt$ln=4,r=0,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1,p=99999999999999999999$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1,p=-1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,p=1,r=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$",
        "$scrypt$ln=4,r=1,p=1$$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 43) + "$",
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw==$" + String(repeating: "A", count: 43),
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "*", count: 43),
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "_", count: 43),  // URL alphabet
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 41),  // length 4k+1
        "$scrypt$ln=4,r=1,p=1$AAEC$" + String(repeating: "A", count: 43),                    // 3-byte salt
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$AAAA",                                  // 3-byte key
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODx$" + String(repeating: "A", count: 43),  // non-canonical salt
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 42) + "B",  // non-canonical key
        "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + String(repeating: "A", count: 86),  // 64-byte key
    ])
    func malformedOrAbsurdHashes_AreRejected(_ encoded: String) {
        #expect(!PasswordHash.verify(password: "pw", encoded: encoded))
        #expect(PasswordHash.needsRehash(encoded))
    }

    @Test func tamperedHashes_FailToVerify() {
        let valid = Self.valid
        // Truncated by whole bytes (4 characters = 3 bytes) or mid-byte: scrypt output is a prefix
        // of longer output, so only the exact key length keeps these from verifying.
        #expect(!PasswordHash.verify(password: "pw", encoded: String(valid.dropLast())))
        #expect(!PasswordHash.verify(password: "pw", encoded: String(valid.dropLast(3))))
        #expect(!PasswordHash.verify(password: "pw", encoded: String(valid.dropLast(4))))
        var tamperedKey = Array(valid.utf8)
        tamperedKey[tamperedKey.count - 2] = tamperedKey[tamperedKey.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(!PasswordHash.verify(password: "pw", encoded: String(decoding: tamperedKey, as: UTF8.self)))
        let otherSalt = valid.replacing("AAECAwQF", with: "BAECAwQF", maxReplacements: 1)
        #expect(!PasswordHash.verify(password: "pw", encoded: otherSalt))
        let otherCost = valid.replacing("ln=4", with: "ln=5", maxReplacements: 1)
        #expect(!PasswordHash.verify(password: "pw", encoded: otherCost))
    }

    @Test func needsRehash_WhenWeakerThanTarget() {
        let weak = PasswordHash.make(password: "pw", parameters: Self.fast)
        #expect(PasswordHash.needsRehash(weak))
        #expect(!PasswordHash.needsRehash(weak, parameters: Self.fast))
        #expect(PasswordHash.needsRehash(weak, parameters: ScryptParameters(logN: 4, r: 2, p: 1)))
        #expect(PasswordHash.needsRehash(weak, parameters: ScryptParameters(logN: 4, r: 1, p: 2)))
        #expect(!PasswordHash.needsRehash(weak, parameters: ScryptParameters(logN: 3, r: 1, p: 1)))
        #expect(PasswordHash.needsRehash("garbage"))
    }

    @Test func dummyHash_IsWellFormedWithDefaultParameters() throws {
        let decoded = try #require(PasswordHash.Decoded(PasswordHash.dummyHash))
        #expect(decoded.parameters == .default)
        #expect(decoded.salt.count == PasswordHash.saltLength)
        #expect(decoded.key.count == PasswordHash.keyLength)
        #expect(!PasswordHash.needsRehash(PasswordHash.dummyHash))
        PasswordHash.dummyVerify(password: "anything")
    }

    @Test func memoryBytesSaturates() {
        #expect(ScryptParameters.default.memoryBytes == 16 << 20)
        #expect(ScryptParameters(logN: 60, r: 8, p: 1).memoryBytes == .max)
        #expect(ScryptParameters(logN: 40, r: .max, p: 1).memoryBytes == .max)
    }
}
