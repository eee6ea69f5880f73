// Aerie — GET /api/collections/{c}/auth-methods
// SPDX-License-Identifier: MIT
import AerieJSON

extension AuthService {
    /// `GET /api/collections/{c}/auth-methods` (public, spec §9.4): which sign-in methods the
    /// collection offers. OAuth2 and MFA are not implemented, so they always say off with
    /// duration 0; OTP follows the collection's `otp` option. Keys are written in PocketBase's order, legacy fields included, because SDKs
    /// of both generations read this object.
    public func authMethods(collection key: String) throws -> [UInt8] {
        let c = try authCollection(key)
        let options = c.schema.auth ?? AuthOptions()
        let identityFields = options.passwordAuthEnabled ? options.identityFields : []
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("password")
        w.beginObject()
        w.key("identityFields"); w.value(.array(identityFields.map(JSON.string)))
        w.key("enabled"); w.bool(options.passwordAuthEnabled)
        w.endObject()
        w.key("oauth2")
        w.beginObject()
        w.key("providers"); w.value(.array([]))
        w.key("enabled"); w.bool(false)
        w.endObject()
        for method in ["mfa", "otp"] {
            let on = method == "otp" && options.otpEnabled
            w.key(method)
            w.beginObject()
            w.key("enabled"); w.bool(on)
            w.key("duration"); w.int(on ? Int64(options.otpDuration) : 0)
            w.endObject()
        }
        // Legacy (PocketBase < 0.23) fields, derived from identityFields.
        w.key("authProviders"); w.value(.array([]))
        w.key("usernamePassword"); w.bool(identityFields.contains("username"))
        w.key("emailPassword"); w.bool(identityFields.contains("email"))
        w.endObject()
        return w.bytes
    }
}
