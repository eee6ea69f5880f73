// Aerie — response head serialisation, the Date cache and server error bodies
// SPDX-License-Identifier: MIT
import AerieBase
import Glibc

/// Writes status lines and header blocks into a reused byte buffer (one per loop).
struct ResponseEncoder {
    /// The head being built; capacity is kept between responses.
    var head: [UInt8] = []
    private var dateLine: [UInt8] = []
    private var dateSecond: Int = -1

    init() { head.reserveCapacity(1024) }

    /// Refreshes the cached `Date:` line when the wall-clock second changed (RFC 9110 §6.6.1).
    mutating func refreshDate() {
        let now = time(nil)
        if now == dateSecond { return }
        dateSecond = now
        dateLine = Array("Date: ".utf8) + HTTPDate.format(seconds: Int64(now)) + [13, 10]
    }

    /// Serialises the head of `response` into `head`.
    /// - Parameters:
    ///   - contentLength: the length to announce (the GET body's for HEAD).
    ///   - closing: adds `Connection: close`.
    ///   - keepAliveHTTP10: adds `Connection: keep-alive` for an HTTP/1.0 client that asked for it.
    ///   - chunked: frames the body with `Transfer-Encoding: chunked` instead of a length (streams).
    ///   - untilClose: announces no length at all: the body ends when the connection closes
    ///     (streams to HTTP/1.0 clients, which cannot take chunked framing).
    mutating func encodeHead(_ response: HTTPResponse, contentLength: Int, closing: Bool, keepAliveHTTP10: Bool,
                             chunked: Bool = false, untilClose: Bool = false) {
        head.removeAll(keepingCapacity: true)
        append("HTTP/1.1 ")
        let code = response.status.code
        if (100...999).contains(code) {
            head.append(UInt8(48 + code / 100)); head.append(UInt8(48 + code / 10 % 10)); head.append(UInt8(48 + code % 10))
        } else {
            append("500")
        }
        head.append(32)
        appendSafe(response.status.reasonPhrase)
        head.append(13); head.append(10)
        for (name, value) in response.headers {
            // The server owns framing headers; responder copies would desynchronise the stream.
            if isReserved(name) || !isValidName(name) || !isValidValue(value) { continue }
            append(name); head.append(58); head.append(32); append(value); head.append(13); head.append(10)
        }
        if chunked {
            append("Transfer-Encoding: chunked\r\n")
        } else if untilClose {
            // No framing header: the close ends the body.
        } else if !response.status.forbidsBody {
            append("Content-Length: ")
            appendDecimal(contentLength)
            head.append(13); head.append(10)
        }
        head.append(contentsOf: dateLine)
        if closing {
            append("Connection: close\r\n")
        } else if keepAliveHTTP10 {
            append("Connection: keep-alive\r\n")
        }
        head.append(13); head.append(10)
    }

    private mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { head.append(contentsOf: $0) }
    }

    private mutating func appendSafe(_ s: String) {
        for c in s.utf8 where c == 9 || (c >= 32 && c != 127) { head.append(c) }
    }

    private mutating func appendDecimal(_ n: Int) {
        if n == 0 { head.append(48); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = n
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 { buf[count] = UInt8(48 + v % 10); v /= 10; count += 1 }
            while count > 0 { count -= 1; head.append(buf[count]) }
        }
    }

    private func isReserved(_ name: String) -> Bool {
        let n = name.utf8
        switch n.count {
        case 4: return ASCII.equalsIgnoringCase(n, "date".utf8)
        case 10: return ASCII.equalsIgnoringCase(n, "connection".utf8) || ASCII.equalsIgnoringCase(n, "keep-alive".utf8)
        case 14: return ASCII.equalsIgnoringCase(n, "content-length".utf8)
        case 17: return ASCII.equalsIgnoringCase(n, "transfer-encoding".utf8)
        default: return false
        }
    }

    private func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    /// Rejects CR, LF and NUL so a responder can never split a response (RFC 9110 §5.5).
    private func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy(isFieldValueByte)
    }
}

/// IMF-fixdate formatting (RFC 9110 §5.6.7).
package enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    package static func format(seconds: Int64) -> [UInt8] {
        Array(Timestamp(milliseconds: seconds * 1000).rfc1123().utf8)
    }
}

/// Bodies for responses the server writes itself, in PocketBase's error envelope (spec §2.1).
enum ServerError {
    /// `{"data":{},"message":"…","status":N}` with the PocketBase message for `status`.
    static func response(_ status: HTTPStatus, closing: Bool) -> HTTPResponse {
        let message: String
        switch status.code {
        case 413: message = "Request entity too large."
        case 414: message = "Request URI too long."
        case 431: message = "Request header fields too large."
        case 503: message = "Service unavailable. Please retry later."
        default: message = "Something went wrong while processing your request."
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        if status.code == 503 { headers.add("Retry-After", "1") }
        let body = #"{"data":{},"message":"\#(message)","status":\#(status.code)}"#
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }
}
