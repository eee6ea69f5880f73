// Aerie — reading the text fields of auth-flow request bodies
// SPDX-License-Identifier: MIT
import AerieJSON

extension AuthService {
    /// The text of an auth form's field: "" when missing or `null`, the string itself otherwise.
    /// Any other JSON type fails the whole body as PocketBase's form binding does: 400 "An error
    /// occurred while loading the submitted data." (before any validation of the other fields).
    static func formText(_ body: JSONObject, _ key: String) throws -> String {
        switch body[key] {
        case nil, .null?: return ""
        case .string(let s)?: return s
        default: throw CoreError.badRequest("An error occurred while loading the submitted data.")
        }
    }
}
