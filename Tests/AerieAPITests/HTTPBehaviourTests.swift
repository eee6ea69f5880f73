// Aerie — black-box tests of headers, CORS, bodies, routing and health
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

@Suite struct HTTPBehaviourTests {
    @Test func health_IsPublic() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("GET", "/api/health")
        #expect(r.status == 200)
        #expect(r.json == ["message": "API is healthy.", "code": 200, "data": [:]])
        #expect(r.header("content-type") == "application/json")
    }

    @Test func everyResponse_HasDefaultHeaders() throws {
        let s = try blogServer(); defer { s.stop() }
        for path in ["/api/health", "/api/nope", "/api/collections/posts/records"] {
            let r = try s.request("GET", path)
            #expect(r.header("x-content-type-options") == "nosniff")
            #expect(r.header("x-frame-options") == "SAMEORIGIN")
            #expect(r.header("x-xss-protection") == "1; mode=block")
            #expect(r.header("cross-origin-opener-policy") == "same-origin")
            #expect(r.headers.contains { $0.0.lowercased() == "vary" && $0.1 == "Origin" })
        }
    }

    @Test func cors_PreflightAndSimpleRequests() throws {
        let s = try blogServer(); defer { s.stop() }
        let pre = try s.request("OPTIONS", "/api/collections/posts/records",
                                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST"),
                                          ("Access-Control-Request-Headers", "content-type,authorization")])
        #expect(pre.status == 204)
        #expect(pre.header("access-control-allow-origin") == "*")
        #expect(pre.header("access-control-allow-methods") == "GET,HEAD,PUT,PATCH,POST,DELETE")
        #expect(pre.header("access-control-allow-headers") == "content-type,authorization")
        let simple = try s.request("GET", "/api/health", headers: [("Origin", "https://app.example")])
        #expect(simple.header("access-control-allow-origin") == "*")
        #expect(try s.request("OPTIONS", "/anything").status == 204)
    }

    @Test(arguments: [
        ("GET", "/", "File not found."), ("GET", "/api/nope", "File not found."), ("GET", "/api/collections/posts/records/", "File not found."),
        ("PUT", "/api/collections/posts/records/abc", "The requested resource wasn't found."),
        ("POST", "/api/health", "The requested resource wasn't found."),
    ])
    func unknownRoutesAndWrongMethods_Are404(_ method: String, _ path: String, _ message: String) throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request(method, path)
        #expect(r.status == 404)
        #expect(r.json["message"] == .string(message))
    }

    @Test func nullJSONBody_IsAnEmptyObject() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records", body: "null", contentType: "application/json")
        #expect(r.status == 400)
        #expect(r.code("title") == "validation_required")
    }

    @Test func head_HasNoBody() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("HEAD", "/api/health")
        #expect(r.status == 200)
        #expect(r.body.isEmpty)
    }

    @Test func bodies_MalformedUnsupportedAndEmpty() throws {
        let s = try blogServer(); defer { s.stop() }
        let bad = try s.request("POST", "/api/collections/posts/records", body: "{\"title\":", contentType: "application/json")
        #expect(bad.status == 400)
        #expect(bad.json == ["data": [:], "message": "Something went wrong while processing your request.", "status": 400])
        let array = try s.request("POST", "/api/collections/posts/records", body: "[1]", contentType: "application/json")
        #expect(array.status == 400)
        let unsupported = try s.request("POST", "/api/collections/posts/records", body: "title=x", contentType: "text/plain")
        #expect(unsupported.json["message"] == "Unsupported Content-Type.")
        let empty = try s.request("POST", "/api/collections/posts/records", body: "", contentType: nil)
        #expect(empty.status == 400)
        #expect(empty.code("title") == "validation_required")
    }

    @Test func formURLEncoded_InfersTypes() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records", body: "title=Form+post&views=12&published=true&labels=a&labels=b",
                              contentType: "application/x-www-form-urlencoded")
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["title"] == "Form post")
        #expect(r.json["views"] == 12)
        #expect(r.json["published"] == true)
        #expect(r.json["labels"] == ["a", "b"])
    }
}
