// Aerie — Crypto primitive tests
// SPDX-License-Identifier: MIT
import AerieBase
import Testing
@testable import AerieCrypto

@Suite struct CryptoTests {
    func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex.filter { $0 != " " }) ?? [] }

    // FIPS 180-2 appendix B examples.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesKnownDigests(_ input: String, _ digest: String) {
        #expect(Hex.encode(Crypto.sha256(input.utf8)) == digest)
        #expect(Hex.encode(Crypto.sha256(Array(input.utf8)[...])) == digest)  // non-Array collection
    }

    // RFC 4231 §4 test cases 1, 2, 3, 4, 6 and 7 (case 5 truncates the output).
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ([UInt8](repeating: 0xaa, count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ] as [([UInt8], [UInt8], String)])
    func hmacSHA256MatchesRFC4231(_ key: [UInt8], _ data: [UInt8], _ mac: String) {
        #expect(Hex.encode(Crypto.hmacSHA256(key: key, data: data)) == mac)
    }

    @Test func hmacSHA256AcceptsEmptyKeyAndData() {
        // Cross-checked with `openssl dgst -sha256 -hmac ""` on empty input.
        #expect(Hex.encode(Crypto.hmacSHA256(key: [UInt8](), data: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    // RFC 7914 §12 test vectors (the N=1048576 one is skipped: 1 GiB of memory).
    @Test(arguments: [
        ("", "", 4, 1, 1,
         "77 d6 57 62 38 65 7b 20 3b 19 ca 42 c1 8a 04 97 f1 6b 48 44 e3 07 4a e8 df df fa 3f ed e2 14 42 fc d0 06 9d ed 09 48 f8 32 6a 75 3a 0f c8 1f 17 e8 d3 e0 fb 2e 0d 36 28 cf 35 e2 0c 38 d1 89 06"),
        ("password", "NaCl", 10, 8, 16,
         "fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62 2e af 30 d9 2e 22 a3 88 6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40"),
        ("pleaseletmein", "SodiumChloride", 14, 8, 1,
         "70 23 bd cb 3a fd 73 48 46 1c 06 cd 81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2 d5 43 29 55 61 3f 0f cf 62 d4 97 05 24 2a 9a f9 e6 1e 85 dc 0d 65 1e 40 df cf 01 7b 45 57 58 87"),
    ] as [(String, String, UInt8, UInt32, UInt32, String)])
    func scryptMatchesRFC7914(_ password: String, _ salt: String, _ logN: UInt8, _ r: UInt32, _ p: UInt32, _ expected: String) throws {
        let key = try Crypto.scrypt(password: password.utf8, salt: salt.utf8, logN: logN, r: r, p: p, length: 64)
        #expect(key == bytes(expected))
    }

    @Test(arguments: [
        (UInt8(0), UInt32(8), UInt32(1), 32),  // N = 1
        (UInt8(64), 8, 1, 32),                 // N overflows
        (UInt8(4), 0, 1, 32),                  // r = 0
        (UInt8(4), 1, 0, 32),                  // p = 0
        (UInt8(4), 1 << 15, 1 << 15, 32),      // r·p ≥ 2^30
        (UInt8(4), 1, 1, 0),                   // empty output
        (UInt8(62), 1 << 20, 1, 32),           // memory beyond addressable
    ] as [(UInt8, UInt32, UInt32, Int)])
    func scryptRejectsInvalidParameters(_ logN: UInt8, _ r: UInt32, _ p: UInt32, _ length: Int) {
        #expect(throws: CryptoError.self) {
            try Crypto.scrypt(password: [UInt8](), salt: [UInt8](), logN: logN, r: r, p: p, length: length)
        }
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(Crypto.constantTimeEquals([UInt8](), [UInt8]()))
        #expect(Crypto.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(Crypto.constantTimeEquals("abc".utf8, [97, 98, 99] as [UInt8]))
        #expect(!Crypto.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!Crypto.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!Crypto.constantTimeEquals([0] as [UInt8], [UInt8]()))
    }

    @Test func randomBytesHaveRequestedLength_AndDiffer() {
        #expect(Crypto.randomBytes(0).isEmpty)
        #expect(Crypto.randomBytes(1).count == 1)
        let samples = (0..<100).map { _ in Crypto.randomBytes(32) }
        #expect(samples.allSatisfy { $0.count == 32 })
        #expect(Set(samples).count == 100)
    }

    @Test func cryptoErrorDescribesOperation() {
        #expect(CryptoError(operation: "scrypt", detail: "bad N").description == "scrypt failed: bad N")
    }
}
