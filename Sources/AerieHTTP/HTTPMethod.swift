// Aerie — HTTP request methods
// SPDX-License-Identifier: MIT

/// A request method token exactly as the client sent it (RFC 9110 §9.1: methods are case-sensitive).
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    /// The method token, e.g. `"GET"`.
    public let rawValue: String

    /// Wraps a method token.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// `GET`.
    public static let get = HTTPMethod("GET")
    /// `HEAD`.
    public static let head = HTTPMethod("HEAD")
    /// `POST`.
    public static let post = HTTPMethod("POST")
    /// `PUT`.
    public static let put = HTTPMethod("PUT")
    /// `PATCH`.
    public static let patch = HTTPMethod("PATCH")
    /// `DELETE`.
    public static let delete = HTTPMethod("DELETE")
    /// `OPTIONS`.
    public static let options = HTTPMethod("OPTIONS")

    /// The method token.
    public var description: String { rawValue }

    /// Interns the common methods so parsing them allocates nothing.
    static func make(_ bytes: UnsafeRawBufferPointer) -> HTTPMethod {
        switch bytes.count {
        case 3:
            if bytes[0] == 0x47, bytes[1] == 0x45, bytes[2] == 0x54 { return .get }  // GET
            if bytes[0] == 0x50, bytes[1] == 0x55, bytes[2] == 0x54 { return .put }  // PUT
        case 4:
            if bytes[0] == 0x50, bytes[1] == 0x4F, bytes[2] == 0x53, bytes[3] == 0x54 { return .post }  // POST
            if bytes[0] == 0x48, bytes[1] == 0x45, bytes[2] == 0x41, bytes[3] == 0x44 { return .head }  // HEAD
        default:
            break
        }
        return HTTPMethod(String(decoding: bytes, as: UTF8.self))
    }
}
