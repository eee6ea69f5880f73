// Aerie — tests for HS256 token signing and verification
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import Testing

@Suite struct JWTTests {
    @Test func signAndVerify_RoundTrips() {
        let token = JWT.sign(["id": "abc", "type": "auth", "exp": .int(Timestamp.now().seconds + 60)], key: "k1")
        #expect(JWT.verify(token, key: "k1"))
        #expect(!JWT.verify(token, key: "k2"))
        #expect(JWT.unverifiedClaims(token)?["id"] == "abc")
    }

    @Test func expiredTokens_Fail() {
        let token = JWT.sign(["id": "abc", "exp": .int(Timestamp.now().seconds - 1)], key: "k")
        #expect(!JWT.verify(token, key: "k"))
    }

    @Test(arguments: [
        "", "a.b", "a.b.c.d", "!!.!!.!!",
        // alg none
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6ImFiYyJ9.",
        // HS512 header
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpZCI6ImFiYyJ9.c2ln",
    ])
    func malformedOrOtherAlgorithms_AreRejected(_ token: String) {
        #expect(!JWT.verify(token, key: "k"))
    }

    @Test func alteredPayload_FailsVerification() {
        let token = JWT.sign(["id": "abc", "exp": .int(Timestamp.now().seconds + 60)], key: "k")
        let parts = token.split(separator: ".").map(String.init)
        let forged = Base64.encode(Array(#"{"id":"admin","exp":9999999999}"#.utf8), url: true, padded: false)
        #expect(!JWT.verify(parts[0] + "." + forged + "." + parts[2], key: "k"))
    }
}
