// The queue directory on a real file system: commit makes a message visible and valid,
// abort and crashes leave nothing, state files round-trip, and damaged files are
// quarantined, not trusted.
import Foundation
import MailCore
import NIOCore
import PosixFile
import Queue
import Testing

@Suite struct QueueStoreTests {
    let directory = temporaryQueueDirectory()

    func header(_ id: String = "0lDGMhr3h0tPHt") -> QueueFile.Header {
        QueueFile.Header(queueID: QueueID(id)!, arrival: 1_795_971_919,
                         envelope: Envelope(reversePath: "a@example.org", recipients: ["b@localhost", "c@localhost"]))
    }

    @Test func committedMessageIsScannedBackWithItsContent() async throws {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        let incoming = store.create(header())
        try incoming.append(ByteBuffer(string: "Subject: x\r\n\r\n"))
        try incoming.append(ByteBuffer(string: "body\r\n"))
        try await store.commit(incoming)
        let scan = try store.scan()
        #expect(scan.quarantined.isEmpty)
        let (message, state) = try #require(scan.messages.first)
        #expect(state == nil)
        #expect(message.header == header())
        #expect(message.contentLength == 20)
        #expect(String(buffer: try store.readContent(of: message, from: 0, length: 100)) == "Subject: x\r\n\r\nbody\r\n")
        #expect(String(buffer: try store.readContent(of: message, from: 14, length: 3)) == "bod")
        try store.remove(message.header.queueID)
        #expect(try store.scan().messages.isEmpty)
    }

    @Test func checksumIsZlibCRC32OfEverythingBeforeTheEndRecord() async throws {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        let message = try await store.commitMessage(header(), content: "hello\r\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/0lDGMhr3h0tPHt"))
        var crc = CRC32()
        crc.update(bytes.dropLast(QueueFile.endRecordSize))
        #expect(crc.value == message.checksum)
        var check = CRC32()
        check.update(Array("123456789".utf8))
        #expect(check.value == 0xCBF4_3926)
    }

    @Test func stateIsSavedAtomicallyAndReadBack() async throws {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        let message = try await store.commitMessage(header(), content: "x\r\n")
        let state = MessageState(attempts: 3, nextAttempt: 1_795_972_000, held: true, delayWarned: true, recipients: [
            .init(state: .delivered, reported: false, lastReply: "250 2.0.0 ok"),
            .init(state: .bounced, reported: true, lastReply: "550 5.1.1 no such user"),
        ])
        try store.saveState(state, of: message.header.queueID)
        try store.saveState(state, of: message.header.queueID)
        #expect(try store.loadState(of: message) == state)
        #expect(try FileSystem.names(in: directory + "/incoming").isEmpty)
        var damaged = StateFile.encode(state)
        damaged[10] ^= 1
        #expect(throws: QueueFile.FormatError.checksumMismatch) { try StateFile.decode(damaged, recipientCount: 2) }
    }

    @Test func abortedAndInterruptedMessagesLeaveNothing() throws {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        store.create(header()).abort()
        let interrupted = store.create(header("0lDGMhr3h0tPHv"))
        try interrupted.append(ByteBuffer(string: "partial"))
        try interrupted.writeHeld()
        #expect(try FileSystem.names(in: directory + "/incoming") == ["0lDGMhr3h0tPHv"])
        // A restart finds the unconfirmed file in incoming/ and removes it.
        _ = try QueueStore(directory: directory, runner: InlineRunner())
        #expect(try FileSystem.names(in: directory + "/incoming").isEmpty)
        #expect(try store.scan().messages.isEmpty)
    }

    @Test(arguments: ["truncate", "flip", "garbage"])
    func damagedFileIsQuarantinedAndTheRestFlows(damage: String) async throws {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        _ = try await store.commitMessage(header(), content: "Subject: x\r\n\r\nbody\r\n")
        _ = try await store.commitMessage(header("0lDGMhr3h0tPHv"), content: "fine\r\n")
        let path = directory + "/0lDGMhr3h0tPHt"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        switch damage {
        case "truncate": bytes.removeLast(3)
        case "flip": bytes[bytes.count - 20] ^= 0x20
        default: bytes = Data("garbage".utf8)
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let scan = try store.scan()
        #expect(scan.messages.map(\.message.header.queueID.rawValue) == ["0lDGMhr3h0tPHv"])
        #expect(scan.quarantined.map(\.name) == ["0lDGMhr3h0tPHt"])
        #expect(FileManager.default.fileExists(atPath: directory + "/corrupt/0lDGMhr3h0tPHt"))
        #expect(try store.quarantined() == ["0lDGMhr3h0tPHt"])
    }

    @Test func dsnOptionsRoundTripThroughTheHeader() throws {
        var header = header()
        header.envelope = Envelope(reversePath: "a@example.org", recipients: [])
        header.envelope.envelopeID = "QQ314159"
        header.envelope.dsnReturn = .full
        header.envelope.append(recipient: "b@localhost", dsn: RecipientDSN(notify: [.failure, .delay]))
        header.envelope.append(recipient: "c@localhost", dsn: RecipientDSN(notify: .never, originalRecipient: "rfc822;c@example.org"))
        let (parsed, offset) = try QueueFile.parseHeader(QueueFile.prefix(header))
        #expect(parsed == header)
        #expect(offset == QueueFile.prefix(header).count)
    }
}
