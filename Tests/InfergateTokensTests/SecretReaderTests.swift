import Foundation
import Glibc
import Testing

@testable import InfergateTokens

/// A fresh temporary folder, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("infergate-tokens-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Overwrites `path` with `text` and puts the previous mtime back, so `stat` sees no change
/// when the size is equal too.
func overwriteKeepingModificationTime(_ path: String, with text: String) throws {
    var before = stat()
    #expect(stat(path, &before) == 0)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
}

@Suite struct SecretReaderTests {
    @Test func literalIsReturnedAsIs() throws {
        #expect(try SecretReader(source: .literal("abc\n")).read() == "abc\n")
    }

    @Test func fileIsReReadWhenItChangesAndTrailingNewlinesAreDropped() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("secret").path
        try "first-secret\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = SecretReader(source: .file(path: path))
        #expect(try reader.read() == "first-secret")

        try "rotated-secret-value\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try reader.read() == "rotated-secret-value")
    }

    @Test func unchangedStatIsServedFromCacheUntilMarkedStale() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("secret").path
        try "aaaa".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = SecretReader(source: .file(path: path))
        #expect(try reader.read() == "aaaa")

        try overwriteKeepingModificationTime(path, with: "bbbb")
        #expect(try reader.read() == "aaaa")
        reader.markStale()
        #expect(try reader.read() == "bbbb")
    }

    @Test func missingFileThrowsWithoutNamingTheSecret() throws {
        let reader = SecretReader(source: .file(path: "/nonexistent/infergate/secret"))
        #expect(throws: TokenError.secretUnreadable) {
            try reader.read()
        }
    }
}
