// Aerie — black-box tests of GET/PATCH /api/settings
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieTesting
import Testing

@Suite struct SettingsEndpointTests {
    @Test func settings_is401ForGuests_And403ForOtherAuthRecords() throws {
        let server = try authServer()
        defer { server.stop() }
        let guest = try server.request("GET", "/api/settings")
        #expect(guest.status == 401, "\(guest.text)")
        #expect(guest.json["message"]?.stringValue == "The request requires valid record authorization token.")
        let user = try server.signUp("alice@example.com")
        for method in ["GET", "PATCH"] {
            let r = try server.request(method, "/api/settings", json: ["meta": ["appName": "X"]], token: user.token)
            #expect(r.status == 403, "\(method): \(r.text)")
            #expect(r.json["message"]?.stringValue == "The authorized record is not allowed to perform this action.")
        }
        let patchGuest = try server.request("PATCH", "/api/settings", json: ["meta": ["appName": "X"]])
        #expect(patchGuest.status == 401)
        #expect(server.app.settings.current.string("meta.appName") == "Aerie", "nothing changed")
    }

    @Test func get_showsPocketBaseShapedGroups_WithoutSMTPPassword() throws {
        let server = try authServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("smtp.password", "hunter2-secret") }
        let r = try server.request("GET", "/api/settings", token: try server.superuserToken())
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["meta"]?["appName"]?.stringValue == "Aerie")
        #expect(r.json["meta"]?["senderAddress"]?.stringValue == "support@example.com")
        #expect(r.json["smtp"]?["port"]?.intValue == 587)
        #expect(r.json["smtp"]?["tls"]?.boolValue == false)
        #expect(r.json["smtp"]?["password"] == nil)
        #expect(!r.text.contains("hunter2"), "the secret never leaves the server: \(r.text)")
        #expect(r.json["rateLimits"]?["rules"]?[0]?["label"]?.stringValue == "*:auth")
        #expect(r.json["batch"]?["maxRequests"]?.intValue == 50)
    }

    @Test func patch_mergesValidatesAndPersists() throws {
        let server = try authServer()
        defer { server.stop() }
        let token = try server.superuserToken()
        let r = try server.request("PATCH", "/api/settings", json: [
            "meta": ["appName": "Zed", "appURL": "https://zed.example.com"],
            "smtp": ["host": "mail.example.com", "port": 2525, "password": "s3cret-value", "tls": true],
            "unknownGroup": ["x": 1],
        ], token: token)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["meta"]?["appName"]?.stringValue == "Zed")
        #expect(r.json["meta"]?["senderName"]?.stringValue == "Support", "untouched keys keep their value")
        #expect(r.json["smtp"]?["tls"]?.boolValue == true)
        #expect(r.json["smtp"]?["tlsMode"]?.stringValue == "implicit")
        #expect(!r.text.contains("s3cret"))
        let s = server.app.settings.current
        #expect(s.string("smtp.password") == "s3cret-value")
        #expect(s.int("smtp.port") == 2525)
        let again = try server.request("GET", "/api/settings", token: token)
        #expect(again.json["meta"]?["appURL"]?.stringValue == "https://zed.example.com")
    }

    @Test func patch_reportsEveryProblemNested_AndChangesNothing() throws {
        let server = try authServer()
        defer { server.stop() }
        let token = try server.superuserToken()
        let r = try server.request("PATCH", "/api/settings", json: [
            "meta": ["appName": "", "appURL": "notaurl", "senderAddress": "x"],
            "smtp": ["enabled": true, "host": "", "port": 70000],
            "rateLimits": ["rules": [["label": "", "duration": 0, "maxRequests": 0]]],
        ], token: token)
        #expect(r.status == 400, "\(r.text)")
        #expect(r.json["message"]?.stringValue == "An error occurred while saving the new settings.")
        let data = r.json["data"]
        #expect(data?["meta"]?["appName"]?["code"]?.stringValue == "validation_required")
        #expect(data?["meta"]?["appURL"]?["code"]?.stringValue == "validation_is_url")
        #expect(data?["meta"]?["senderAddress"]?["code"]?.stringValue == "validation_is_email")
        #expect(data?["smtp"]?["host"]?["code"]?.stringValue == "validation_required")
        #expect(data?["smtp"]?["port"]?["code"]?.stringValue == "validation_max_less_equal_than_required")
        #expect(data?["rateLimits"]?["rules"]?["0"]?["label"]?["code"]?.stringValue == "validation_required")
        #expect(server.app.settings.current.string("meta.appName") == "Aerie")
    }

    @Test(arguments: [#"{"meta":5}"#, #"{"smtp":{"port":"x"}}"#, "not json", #"{"cors":{"origins":[1]}}"#])
    func patch_isLoadingError_ForWrongTypes(_ body: String) throws {
        let server = try authServer()
        defer { server.stop() }
        let r = try server.request("PATCH", "/api/settings", body: body, contentType: "application/json", token: try server.superuserToken())
        #expect(r.status == 400, "\(r.text)")
        if body != #"{"meta":5}"# {
            #expect(r.json["message"]?.stringValue == "An error occurred while loading the submitted data.", "\(r.text)")
        }
    }
}
