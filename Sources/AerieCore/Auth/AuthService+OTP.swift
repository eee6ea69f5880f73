// Aerie — request-otp and auth-with-otp (spec §9.4)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
public import AerieJSON
import AerieSQLite

/// The `_otps` table: one row per issued one-time password, its password kept only as a hash.
enum OTPStore {
    static func prepare(_ db: Connection) throws {
        try db.run("""
            CREATE TABLE IF NOT EXISTS "_otps" ("id" TEXT PRIMARY KEY NOT NULL, "collectionRef" TEXT NOT NULL,
              "recordRef" TEXT NOT NULL, "password" TEXT NOT NULL, "sentTo" TEXT NOT NULL DEFAULT '', "created" INTEGER NOT NULL)
            """)
        try db.run(#"CREATE INDEX IF NOT EXISTS "_otps_record" ON "_otps" ("collectionRef", "recordRef")"#)
    }

    /// SHA-256 of the id and the password. OTPs live minutes and attempts are limited (5 per
    /// record per 3 minutes), so a slow hash would add cost without adding safety.
    static func hash(id: String, password: String) -> String {
        Hex.encode(Crypto.sha256(Array("\(id):\(password)".utf8)))
    }
}

extension AuthService {
    /// `POST /api/collections/{c}/request-otp`: 200 `{"otpId":"…"}` for any valid email. For a record
    /// with that email a new OTP (`otp.length` digits, valid `otp.duration` seconds) is stored and
    /// mailed in the background; for an unknown email a random id is answered and nothing is stored.
    /// With more than 9 live OTPs the newest is reused (no new mail). 403 when OTP is off.
    public func requestOTP(collection key: String, body: JSONObject) throws -> [UInt8] {
        let c = try authCollection(key)
        let options = c.schema.auth ?? AuthOptions()
        guard options.otpEnabled else { throw CoreError.forbidden("The collection is not configured to allow OTP authentication.") }
        let email = try AuthService.formText(body, "email")
        if let issue = AuthService.emailIssue(email) { throw AuthService.validationFailed(["email": issue]) }
        try flows.consumeIdentity("mail:\(c.schema.id)", email)
        guard let record = try findByEmail(c, email), let recordID = record["id"]?.stringValue, let to = record["email"]?.stringValue else {
            return AuthService.otpResponse(RandomID.recordID())
        }
        let now = Timestamp.now().milliseconds
        let oldest = now - Int64(options.otpDuration) * 1000
        let digits = Array("0123456789".utf8)
        let password = String(decoding: Crypto.randomBytes(options.otpLength).map { digits[Int($0) % 10] }, as: UTF8.self)
        let newID = RandomID.recordID()
        let reused = try pool.write { db -> String? in
            try db.run(#"DELETE FROM "_otps" WHERE "collectionRef" = ? AND "created" < ?"#, [.text(c.schema.id), .integer(oldest)])
            var live: [String] = []
            try db.query(#"SELECT "id" FROM "_otps" WHERE "collectionRef" = ? AND "recordRef" = ? ORDER BY "created" DESC"#,
                         [.text(c.schema.id), .text(recordID)]) { live.append($0.string(0)) }
            if live.count > 9 { return live[0] }
            try db.run(#"INSERT INTO "_otps" ("id", "collectionRef", "recordRef", "password", "sentTo", "created") VALUES (?, ?, ?, ?, ?, ?)"#,
                       [.text(newID), .text(c.schema.id), .text(recordID), .text(OTPStore.hash(id: newID, password: password)), .text(to), .integer(now)])
            return nil
        }
        if let reused {
            Log.warning("otp: too many OTP requests for a record of \(c.schema.name); reusing the last one")
            return AuthService.otpResponse(reused)
        }
        flows.mailer.sendLater(.otp, to: to, otp: password)
        return AuthService.otpResponse(newID)
    }

    static func otpResponse(_ id: String) -> [UInt8] { JSON.object(["otpId": .string(id)]).serialized() }

    /// `POST /api/collections/{c}/auth-with-otp`: signs in with `otpId` + `password` → auth response.
    /// Every failure is the same 400 "Invalid or expired OTP."; 5 attempts per record per 180 s,
    /// then 429. Success deletes the OTP and verifies the record when the OTP went to its email.
    public func authWithOTP(collection key: String, body: JSONObject, requester: Requester) throws -> [UInt8] {
        let c = try authCollection(key)
        let options = c.schema.auth ?? AuthOptions()
        guard options.otpEnabled else { throw CoreError.forbidden("The collection is not configured to allow OTP authentication.") }
        let otpID = try AuthService.formText(body, "otpId")
        let password = try AuthService.formText(body, "password")
        var issues: [String: FieldIssue] = [:]
        if otpID.isEmpty { issues["otpId"] = .required } else if otpID.utf8.count > 255 {
            issues["otpId"] = FieldIssue("validation_length_out_of_range", "The length must be between 1 and 255.", params: ["min": 1, "max": 255])
        }
        if password.isEmpty { issues["password"] = .required } else if password.utf8.count > 71 {
            issues["password"] = FieldIssue("validation_length_out_of_range", "The length must be between 1 and 71.", params: ["min": 1, "max": 71])
        }
        if !issues.isEmpty { throw AuthService.validationFailed(issues) }
        let invalid = CoreError.badRequest("Invalid or expired OTP.")
        let row = try pool.read { db in
            try db.queryRow(#"SELECT "collectionRef", "recordRef", "password", "sentTo", "created" FROM "_otps" WHERE "id" = ?"#, [.text(otpID)])
        }
        guard let row, case .text(let collectionRef) = row[0], collectionRef == c.schema.id, case .text(let recordID) = row[1],
              case .text(let hash) = row[2], case .integer(let created) = row[4],
              created + Int64(options.otpDuration) * 1000 > Timestamp.now().milliseconds else { throw invalid }
        let sentTo: String
        if case .text(let s) = row[3] { sentTo = s } else { sentTo = "" }
        guard var record = try pool.read({ db in try records.load(c, id: recordID, db: db) }) else { throw invalid }
        // OTPs are short digit strings: limit guesses per record whatever the client's IP.
        if let retry = flows.limiter.consume("otp:\(c.schema.id):\(recordID)", maxRequests: 5, duration: 180) {
            throw CoreError.tooManyRequests("Too many attempts, please try again later with a new OTP.", retryAfter: retry)
        }
        guard Crypto.constantTimeEquals(Array(OTPStore.hash(id: otpID, password: password).utf8), Array(hash.utf8)) else { throw invalid }
        if record["verified"]?.boolValue != true, !sentTo.isEmpty, record["email"]?.stringValue == sentTo {
            try updateSystemFields(c, id: recordID, [("verified", .integer(1))], uniqueFailure: invalid)
            record["verified"] = .bool(true)
        }
        _ = try pool.write { db in try db.run(#"DELETE FROM "_otps" WHERE "id" = ?"#, [.text(otpID)]) }
        let token = makeToken(collection: c.schema, recordID: recordID, tokenKey: record["tokenKey"]?.stringValue ?? "")
        let me = Requester(collectionID: c.schema.id, recordID: recordID, isSuperuser: c.schema.isSuperusers)
        return try authResponse(c, record: record, token: token, caller: requester, viewer: me)
    }
}
