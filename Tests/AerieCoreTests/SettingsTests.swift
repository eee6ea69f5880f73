// Aerie — settings values, parsing, validation and environment overrides
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import Testing

@Suite struct SettingsTests {
    @Test func defaults_areValid() {
        #expect(Settings().validate().isEmpty)
        #expect(Settings().string("meta.appName") == "Aerie")
        #expect(Settings().list("cors.origins") == ["*"])
    }

    @Test(arguments: [("meta.appName", "AERIE_META_APP_NAME"), ("smtp.host", "AERIE_SMTP_HOST"),
                      ("rateLimits.identity.maxRequests", "AERIE_RATE_LIMITS_IDENTITY_MAX_REQUESTS"),
                      ("meta.appURL", "AERIE_META_APP_URL"), ("trustedProxy.useLeftmostIP", "AERIE_TRUSTED_PROXY_USE_LEFTMOST_IP")])
    func environmentName_isUpperSnakeCase(_ path: String, _ expected: String) {
        #expect(SettingKey.named(path)?.environmentName == expected)
    }

    @Test func environmentNames_areUnique() {
        #expect(Set(SettingKey.all.map(\.environmentName)).count == SettingKey.all.count)
    }

    @Test func parse_convertsTextByKind() throws {
        #expect(try Settings.parse(text: "yes", for: SettingKey.named("smtp.enabled")!) == true)
        #expect(try Settings.parse(text: " 2525 ", for: SettingKey.named("smtp.port")!) == 2525)
        #expect(try Settings.parse(text: "a.com, b.com,", for: SettingKey.named("cors.origins")!) == ["a.com", "b.com"])
        #expect(try Settings.parse(text: "warn", for: SettingKey.named("logs.minLevel")!) == 4)
        #expect(throws: SettingsError.self) { try Settings.parse(text: "maybe", for: SettingKey.named("smtp.enabled")!) }
        #expect(throws: SettingsError.self) { try Settings.parse(text: "12x", for: SettingKey.named("smtp.port")!) }
        #expect(throws: SettingsError.self) { try Settings.parse(text: "[{", for: SettingKey.named("rateLimits.rules")!) }
    }

    @Test func validate_namesEachBadKey() {
        var s = Settings()
        s.set("smtp.port", 0)
        s.set("tokens.auth", 5)
        s.set("smtp.tlsMode", "sometimes")
        s.set("meta.senderAddress", "nope")
        let issues = s.validate()
        #expect(Set(issues.keys) == ["smtp.port", "tokens.auth", "smtp.tlsMode", "meta.senderAddress"], "\(issues)")
    }

    @Test func merge_ignoresUnknownKeys_AndRefusesWrongTypes() throws {
        var s = Settings()
        try s.merge(patch: ["meta": ["appName": "New"], "whatever": 1])
        #expect(s.string("meta.appName") == "New")
        #expect(throws: SettingsError.self) { try s.merge(patch: ["smtp": ["port": "25"]]) }
        #expect(s.int("smtp.port") == 587)
    }

    @Test func set_toDefault_dropsTheOverride() {
        var s = Settings()
        s.set("smtp.port", 25)
        #expect(s.overrides["smtp.port"] == 25)
        s.set("smtp.port", 587)
        #expect(s.overrides["smtp.port"] == nil)
    }

    @Test func overrides_fromEnvironment_areTypedAndChecked() throws {
        let env = try SettingsStore.overrides(from: ["AERIE_SMTP_PORT": "465", "AERIE_SMTP_ENABLED": "true", "AERIE_SMTP_HOST": "mx", "HOME": "/x"])
        #expect(env["smtp.port"] == 465)
        #expect(env["smtp.enabled"] == true)
        #expect(throws: (any Error).self) { try SettingsStore.overrides(from: ["AERIE_SMTP_PORT": "0"]) }
        #expect(throws: (any Error).self) { try SettingsStore.overrides(from: ["AERIE_SMTP_ENABLED": "perhaps"]) }
    }
}
