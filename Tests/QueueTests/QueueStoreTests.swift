// The queue directory on a real file system: commit makes a message visible and valid,
// abort and crashes leave nothing, and damaged files are quarantined, not trusted.
import Foundation
import MailCore
import NIOCore
import PosixFile
import Queue
import Testing

@Suite struct QueueStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-queue-\(UUID().uuidString)").path

    func header(_ id: String = "0lDGMhr3h0tPHt") -> QueueFile.Header {
        QueueFile.Header(queueID: QueueID(id)!, arrival: 1_795_971_919,
                         envelope: Envelope(reversePath: "a@example.org", recipients: ["b@localhost", "c@localhost"]))
    }

    @Test func committedMessageIsScannedBackWithItsContent() throws {
        let store = try QueueStore(directory: directory)
        let incoming = try store.create(header())
        try incoming.append(ByteBuffer(string: "Subject: x\r\n\r\n"))
        try incoming.append(ByteBuffer(string: "body\r\n"))
        try incoming.commit()
        let (messages, quarantined) = try store.scan()
        #expect(quarantined.isEmpty)
        let message = try #require(messages.first)
        #expect(message.header == header())
        #expect(message.contentLength == 20)
        #expect(String(buffer: try store.readContent(of: message, from: 0, length: 100)) == "Subject: x\r\n\r\nbody\r\n")
        #expect(String(buffer: try store.readContent(of: message, from: 14, length: 3)) == "bod")
        try store.remove(message.header.queueID)
        #expect(try store.scan().messages.isEmpty)
    }

    @Test func abortedAndInterruptedMessagesLeaveNothing() throws {
        let store = try QueueStore(directory: directory)
        try store.create(header()).abort()
        let interrupted = try store.create(header("0lDGMhr3h0tPHv"))
        try interrupted.append(ByteBuffer(string: "partial"))
        // A restart finds the unconfirmed file in incoming/ and removes it.
        _ = try QueueStore(directory: directory)
        #expect(try FileSystem.names(in: directory + "/incoming").isEmpty)
        #expect(try store.scan().messages.isEmpty)
    }

    @Test func truncatedFileIsQuarantined() throws {
        let store = try QueueStore(directory: directory)
        let incoming = try store.create(header())
        try incoming.append(ByteBuffer(string: "body\r\n"))
        try incoming.commit()
        let path = directory + "/0lDGMhr3h0tPHt"
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: try handle.seekToEnd() - 3)
        try handle.close()
        let (messages, quarantined) = try store.scan()
        #expect(messages.isEmpty)
        #expect(quarantined.map(\.0) == ["0lDGMhr3h0tPHt"])
        #expect(FileManager.default.fileExists(atPath: directory + "/corrupt/0lDGMhr3h0tPHt"))
    }
}
