// Aerie — unit tests of the download helpers: ranges, conditionals, types, multipart values
// SPDX-License-Identifier: MIT
@testable import AerieAPI
@testable import AerieHTTP
import AerieJSON
import Testing

@Suite struct FileDownloadTests {
    @Test(arguments: [
        ("bytes=0-3", 10, FileDownload.RangeOutcome.partial(0..<4)),
        ("bytes=2-", 10, .partial(2..<10)),
        ("bytes=-3", 10, .partial(7..<10)),
        ("bytes=-30", 10, .partial(0..<10)),
        ("bytes=5-100", 10, .partial(5..<10)),
        ("bytes=10-", 10, .invalid("invalid range: failed to overlap")),
        ("bytes=-0", 10, .invalid("invalid range: failed to overlap")),
        ("bytes=4-2", 10, .invalid("invalid range")),
        ("bytes=x-2", 10, .invalid("invalid range")),
        ("items=0-1", 10, .invalid("invalid range")),
        ("bytes=0-1,4-5", 10, .whole),
    ])
    func parseRange(_ header: String, _ size: Int, _ expected: FileDownload.RangeOutcome) {
        #expect(FileDownload.parseRange(header, size: size) == expected)
    }

    @Test func contentDisposition_InlineOnlyForMediaAndPDF() {
        #expect(FileDownload.inlineTypes.contains("image/png"))
        #expect(FileDownload.inlineTypes.contains("application/pdf"))
        #expect(!FileDownload.inlineTypes.contains("image/svg+xml"))
        #expect(!FileDownload.inlineTypes.contains("text/plain"))
    }

    @Test func httpDate_RoundTripsAndRejectsOtherForms() {
        let text = HTTPDate.string(seconds: 784_111_777)
        #expect(text == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse(text) == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("garbage") == nil)
    }

    @Test func multipartValues_AreInferredAndJSONPayloadSpreadOver() {
        let form = MultipartForm(fields: [("title", "x"), ("views", "12"), ("flag", "true"), ("tags", "a"), ("tags", "b"),
                                          ("code", "007"), ("@jsonPayload", #"{"title":"from json","n":1.5}"#)], files: [])
        let o = MultipartBody.object(form)
        #expect(o["title"] == "from json")
        #expect(o["views"] == 12)
        #expect(o["flag"] == true)
        #expect(o["tags"] == ["a", "b"])
        #expect(o["code"] == "007")
        #expect(o["n"] == 1.5)
    }

    @Test func spoolDirectory_OnlyForLargeMultipartRecordWrites() {
        func headers(_ type: String, _ length: Int?) -> HTTPHeaders {
            var h = HTTPHeaders()
            h.add("Content-Type", type)
            if let length { h.add("Content-Length", String(length)) }
            return h
        }
        let big = headers("multipart/form-data; boundary=x", 1 << 20)
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/collections/c/records", headers: big, storage: "/s") == "/s")
        #expect(MultipartBody.spoolDirectory(method: .patch, path: "/api/collections/c/records/id", headers: big, storage: "/s") == "/s")
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/collections/c/records", headers: headers("multipart/form-data; boundary=x", nil), storage: "/s") == "/s", "chunked")
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/collections/c/records", headers: headers("multipart/form-data; boundary=x", 100), storage: "/s") == nil)
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/collections/c/records", headers: headers("application/json", 1 << 20), storage: "/s") == nil)
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/batch", headers: big, storage: "/s") == "/s")
        #expect(MultipartBody.spoolDirectory(method: .post, path: "/api/health", headers: big, storage: "/s") == nil)
        #expect(MultipartBody.spoolDirectory(method: .get, path: "/api/collections/c/records", headers: big, storage: "/s") == nil)
    }
}
