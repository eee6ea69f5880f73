// Aerie — converting PocketBase collection JSON into a schema file
// SPDX-License-Identifier: MIT
import AerieCore
import Testing

@Suite struct PocketBaseImportTests {
    func convert(_ text: String) throws -> PocketBaseImport.Result {
        try PocketBaseImport.convert(Array(text.utf8), file: "pb.json")
    }

    @Test func unknownOptions_areDroppedWithANote_andTheResultLoads() throws {
        let result = try convert(#"""
            [{"id":"pbc_1","name":"posts","type":"base","system":false,"created":"2024-01-01 00:00:00.000Z",
              "fields":[{"id":"t1","name":"title","type":"text","system":false,"futureOption":3},
                        {"id":"r1","name":"owner","type":"relation","collectionId":"pbc_2","maxSelect":1}],
              "futureKey":{"x":1},
              "indexes":[]},
             {"id":"pbc_2","name":"people","type":"auth","system":false,"fields":[],"otp":{"enabled":true},"mfa":{"enabled":false}},
             {"id":"pbc_3","name":"_superusers","type":"auth","system":true,"fields":[]}]
            """#)
        #expect(result.notes.contains("dropped posts.title.futureOption: unknown option for a text field"), "\(result.notes)")
        #expect(result.notes.contains("dropped posts.futureKey: unknown collection key"), "\(result.notes)")
        #expect(result.notes.contains("dropped people.otp: not supported by Aerie"), "\(result.notes)")
        #expect(!result.notes.contains { $0.contains("mfa") }, "disabled features are dropped silently: \(result.notes)")
        #expect(result.schemaFile.contains(#""collection": "people""#) && !result.schemaFile.contains("collectionId"))
        #expect(!result.schemaFile.contains("_superusers") && !result.schemaFile.contains("created"))
        let schema = try SchemaLoader.load(Array(result.schemaFile.utf8), file: "out.json")
        #expect(schema.collection("posts")?.id == "pbc_1")
    }

    @Test func realProblems_areReportedNotHidden() {
        #expect(throws: SchemaError.self) {
            try convert(#"[{"name":"posts","fields":[{"name":"n","type":"number","min":"x"}]}]"#)
        }
        #expect(throws: SchemaError.self) { try convert(#"{"nope":true}"#) }
        #expect(throws: SchemaError.self) { try convert("[") }
    }
}
