// swift-tools-version: 6.1
// Aerie: a single-binary backend-as-a-service. No package dependencies by design:
// everything above the toolchain is our own code plus SQLite 3 and OpenSSL 3 as
// system libraries. The dependency lists below *are* the layer diagram
// (docs/architecture.md); imports only point down.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Aerie",
    products: [
        .executable(name: "aerie", targets: ["aerie"]),
    ],
    targets: [
        // L0: C shims and domain-free utilities.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLinux"),
        .target(name: "AerieBase", dependencies: ["CLinux"], swiftSettings: strict),
        .target(name: "AerieTemplates", dependencies: ["AerieBase"], swiftSettings: strict, plugins: ["TemplateEmbedder"]),

        // L1: byte-level building blocks; siblings never import each other.
        .target(name: "AerieJSON", dependencies: ["AerieBase"], swiftSettings: strict),
        .target(name: "AerieSQLite", dependencies: ["CSQLite", "AerieBase"], swiftSettings: strict),
        .target(name: "AerieCrypto", dependencies: ["COpenSSL", "AerieBase"], swiftSettings: strict),
        .target(name: "AerieHTTP", dependencies: ["CLinux", "AerieBase"], swiftSettings: strict),
        .target(name: "AerieFilter", dependencies: ["AerieBase"], swiftSettings: strict),

        // L2: the domain (schema, fields, records, auth). Knows nothing of HTTP.
        .target(
            name: "AerieCore",
            dependencies: ["AerieBase", "AerieJSON", "AerieSQLite", "AerieCrypto", "AerieFilter", "AerieTemplates"],
            swiftSettings: strict),

        // L3: routes, the error envelope, middleware.
        .target(
            name: "AerieAPI",
            dependencies: ["AerieBase", "AerieJSON", "AerieHTTP", "AerieCore"],
            swiftSettings: strict),

        // L4: the executable and the test kit.
        .executableTarget(
            name: "aerie",
            dependencies: ["AerieBase", "AerieJSON", "AerieSQLite", "AerieHTTP", "AerieCore", "AerieAPI", "AerieTemplates"],
            swiftSettings: strict),
        .target(
            name: "AerieTesting",
            dependencies: ["AerieBase", "AerieJSON", "AerieHTTP", "AerieCore", "AerieAPI"],
            swiftSettings: strict),

        // Build-time embedding of Templates/ into the binary.
        .executableTarget(name: "EmbedTemplatesTool", path: "Sources/EmbedTemplatesTool"),
        .plugin(name: "TemplateEmbedder", capability: .buildTool(), dependencies: ["EmbedTemplatesTool"]),

        // Tests: one target per library, plus black-box API and CLI suites.
        .testTarget(name: "AerieBaseTests", dependencies: ["AerieBase"], swiftSettings: strict),
        .testTarget(name: "AerieJSONTests", dependencies: ["AerieJSON"], swiftSettings: strict),
        .testTarget(name: "AerieSQLiteTests", dependencies: ["AerieSQLite"], swiftSettings: strict),
        .testTarget(name: "AerieCryptoTests", dependencies: ["AerieCrypto"], swiftSettings: strict),
        .testTarget(name: "AerieFilterTests", dependencies: ["AerieFilter"], swiftSettings: strict),
        .testTarget(name: "AerieHTTPTests", dependencies: ["AerieHTTP", "AerieBase", "AerieTesting"], swiftSettings: strict),
        .testTarget(name: "AerieCoreTests", dependencies: ["AerieCore", "AerieJSON", "AerieSQLite"], swiftSettings: strict),
        .testTarget(
            name: "AerieAPITests",
            dependencies: ["AerieAPI", "AerieTesting", "AerieBase", "AerieJSON", "AerieCore", "AerieHTTP"],
            swiftSettings: strict),
        .testTarget(
            name: "AerieCLITests",
            dependencies: ["AerieTesting", "AerieJSON", "AerieSQLite"],
            exclude: ["Golden"],
            swiftSettings: strict),
    ]
)
