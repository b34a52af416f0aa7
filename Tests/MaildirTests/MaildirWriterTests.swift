// Maildir delivery on a real file system: tmp → new with LF line ends and trace fields,
// a batch of copies kept in tmp until placed, one copy per name however often it is
// retried, no write through a planted symbolic link, tmp/ swept after 36 hours.
import Foundation
import Glibc
import MailCore
import Maildir
import PosixFile
import Testing

@Suite struct MaildirWriterTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tern-maildir-\(UUID().uuidString)").path
    let name = MaildirName.name(arrival: 1_795_971_919, queueID: QueueID("0lDGMhr3h0tPHt")!, host: "mx.example:org/x")

    init() throws { try FileManager.default.createDirectory(atPath: root + "/bob", withIntermediateDirectories: true) }

    func maildir() throws -> Maildir { try Maildir(Directory(opening: root + "/bob"), create: true) }

    func content(_ text: String) throws -> ReadableFile {
        let path = root + "/content-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return try ReadableFile(opening: path)
    }

    func deliver(_ text: String, again: Bool = false) throws -> Reply {
        var source = FileSource(try content(text))
        let maildir = try maildir()
        let reply = MaildirWriter.deliver(&source, into: maildir, name: name,
                                          traceFields: TraceHeaders.delivery(reversePath: "a@example.org", recipient: "Bob@localhost"),
                                          lookForEarlierCopy: again)
        try maildir.commitNew(linked: [name])
        return reply
    }

    @Test func writesNewWithTraceFieldsAndLineFeeds() throws {
        #expect(try deliver("Subject: hi\r\n\r\nbody\r\nbare\rCR\r\n").code == 250)
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/bob/new")
        #expect(names == ["1795971919.0lDGMhr3h0tPHt.mx.example\\072org\\057x"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/tmp").isEmpty)
        let text = try String(contentsOfFile: root + "/bob/new/" + names[0], encoding: .utf8)
        #expect(text == "Return-Path: <a@example.org>\nDelivered-To: Bob@localhost\nSubject: hi\n\nbody\nbare\rCR\n")
        let mode = try FileManager.default.attributesOfItem(atPath: root + "/bob/new/" + names[0])[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for part in ["tmp", "new", "cur"] {
            #expect(try FileManager.default.attributesOfItem(atPath: root + "/bob/" + part)[.posixPermissions] as? Int == 0o700)
        }
    }

    @Test func retriesNeverMakeASecondCopyEvenAfterTheMessageWasRead() throws {
        _ = try deliver("x\r\n")
        #expect(try deliver("x\r\n").lines == ["already delivered"])
        let reader = MaildirReader(try maildir())
        try reader.markSeen(reader.entries()[0])
        #expect(try deliver("x\r\n", again: true).lines == ["already delivered"])
        #expect(reader.entries().count == 1)
        #expect(reader.summaries().map(\.seen) == [true])
    }

    @Test func aBatchStaysInTmpUntilPlacedThenEachCopyKeepsItsOwnContent() throws {
        let box = try maildir()
        let names = (1...3).map { "batch.\($0)" }
        let written = try names.map { name in
            var source = FileSource(try content("Subject: \(name)\r\n\r\nbody\r\n"))
            return MaildirWriter.write(&source, into: box, name: name, traceFields: "", lookForEarlierCopy: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/new").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/tmp").count == 3)
        let placed = MaildirWriter.place(written)
        #expect(placed.map(\.reply.code) == [250, 250, 250] && placed.map(\.linked) == names)
        try box.commitNew(linked: names)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/tmp").isEmpty)
        for name in names {
            #expect(try String(contentsOfFile: root + "/bob/new/" + name, encoding: .utf8) == "Subject: \(name)\n\nbody\n")
        }
    }

    @Test func aSymbolicLinkAtNewIsNeverFollowed() throws {
        let elsewhere = root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/bob/tmp", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/bob/new", withDestinationPath: elsewhere)
        #expect(throws: FileError.self) { _ = try maildir() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    @Test func sweepsOnlyOldTemporaryFiles() throws {
        let box = try maildir()
        for file in ["old", "fresh"] { _ = FileManager.default.createFile(atPath: root + "/bob/tmp/" + file, contents: Data("x".utf8)) }
        var times = [timespec(tv_sec: 1_000, tv_nsec: 0), timespec(tv_sec: 1_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, root + "/bob/tmp/old", &times, 0) == 0)
        #expect(box.sweepTemporaryFiles(now: Int64(time(nil))) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/tmp") == ["fresh"])
    }

    @Test func listingReadsFromAndSubject() throws {
        _ = try deliver("From: Alice <a@example.org>\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n\r\nhi\r\n")
        let summary = try #require(MaildirReader(try maildir()).summaries().first)
        #expect(summary.number == 1 && summary.from == "Alice <a@example.org>" && summary.subject == "Café" && !summary.seen)
        #expect(MaildirReader(nil).entries().isEmpty)
    }

    @Test func aFullMailboxIsATemporaryFailure() {
        #expect(MaildirWriter.temporaryFailure(FileError("write", "x", errno: ENOSPC)) == Reply(452, "4.2.2", "mailbox full: write x: No space left on device"))
        #expect(MaildirWriter.temporaryFailure(FileError("write", "x", errno: EIO)).code == 451)
    }
}
