// Aerie — LocalFileStorage: atomic store, open, delete, unsafe keys, start-up clean-up
// SPDX-License-Identifier: MIT
import AerieCore
import Foundation
import Glibc
import Testing

@Suite struct LocalFileStorageTests {
    let root = NSTemporaryDirectory() + "aerie-storage-" + UUID().uuidString

    func write(_ path: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    @Test func storeOpenDelete_RoundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let storage = try LocalFileStorage(root: root)
        let temp = storage.temporaryDirectory + "/upload"
        write(temp, "hello")
        let key = FileKey(collectionID: "pbc_1", recordID: "r1", name: "a_1234567890.txt")
        try storage.store(temporaryPath: temp, as: key)
        #expect(!FileManager.default.fileExists(atPath: temp), "stored by rename")
        let file = try #require(storage.open(key))
        #expect(file.size == 5)
        var buffer = [UInt8](repeating: 0, count: 5)
        #expect(pread(file.descriptor, &buffer, 5, 0) == 5 && buffer == Array("hello".utf8))
        close(file.descriptor)

        storage.delete(key)
        #expect(storage.open(key) == nil)
        #expect(!FileManager.default.fileExists(atPath: root + "/pbc_1/r1"), "an emptied record directory goes too")
    }

    @Test func deleteRecord_RemovesEveryFileAndThumbs() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let storage = try LocalFileStorage(root: root)
        for name in ["a.txt", "b.png"] {
            write(storage.temporaryDirectory + "/t", name)
            try storage.store(temporaryPath: storage.temporaryDirectory + "/t", as: FileKey(collectionID: "c", recordID: "r", name: name))
        }
        try FileManager.default.createDirectory(atPath: root + "/c/r/thumbs_b.png", withIntermediateDirectories: true)
        write(root + "/c/r/thumbs_b.png/100x100_b.png", "thumb")
        storage.deleteRecord(collectionID: "c", recordID: "r")
        #expect(!FileManager.default.fileExists(atPath: root + "/c/r"))
    }

    @Test(arguments: ["../x", "a/b", ".hidden", "", "x\u{0}y", "a\\b"])
    func unsafeNames_AreRefused(_ name: String) throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let storage = try LocalFileStorage(root: root)
        write(storage.temporaryDirectory + "/t", "x")
        let key = FileKey(collectionID: "c", recordID: "r", name: name)
        #expect(!key.isSafe)
        #expect(throws: (any Error).self) { try storage.store(temporaryPath: storage.temporaryDirectory + "/t", as: key) }
        #expect(storage.open(key) == nil)
        #expect(storage.open(FileKey(collectionID: "..", recordID: "r", name: "x")) == nil)
    }

    @Test func opening_EmptiesTheTemporaryDirectory() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try LocalFileStorage(root: root)
        write(first.temporaryDirectory + "/aerie-upload-left-by-a-crash", "partial")
        let second = try LocalFileStorage(root: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: second.temporaryDirectory).isEmpty)
    }
}
