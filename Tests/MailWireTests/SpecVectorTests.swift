// The vectors of protocols/mailwire.md decoded by the Swift codec: the document and the
// code cannot drift apart. Valid vectors decode to the values their sentence gives and
// re-encode byte for byte; bad vectors are refused with the right error.
import Foundation
import MailCore
import MailWire
import NIOCore
import Testing

/// The vectors of the protocol document, by name.
struct SpecVectors {
    var valid: [String: [UInt8]] = [:]
    var bad: [String: [UInt8]] = [:]

    init() throws {
        let path = String(#filePath.split(separator: "/Tests/").first!) + "/protocols/mailwire.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var current: (name: String, isBad: Bool)?
        var inBlock = false
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### vector: ") { current = (String(line.dropFirst(12)), false) }
            if line.hasPrefix("### bad-vector: ") { current = (String(line.dropFirst(16)), true) }
            if line == "```hex" { inBlock = true; bytes = []; continue }
            if line == "```" && inBlock, let vector = current {
                inBlock = false
                if vector.isBad { bad[vector.name] = bytes } else { valid[vector.name] = bytes }
                current = nil
                continue
            }
            if inBlock { bytes += line.split(separator: " ").map { UInt8($0, radix: 16)! } }
        }
    }

    /// Decodes one frame and its message from `bytes`, requiring all bytes to be used.
    static func decode(_ bytes: [UInt8]) throws -> (Frame, Message) {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: bytes)
        guard let frame = try decoder.decodeLast(buffer: &buffer, seenEOF: true) else { throw MailWireError.truncated }
        #expect(buffer.readableBytes == 0)
        return (frame, try Message(frame: frame))
    }
}

@Suite struct SpecVectorTests {
    let vectors: SpecVectors
    init() throws { vectors = try SpecVectors() }

    @Test func documentHasEveryVector() {
        #expect(vectors.valid.count == 25)
        #expect(Set(vectors.bad.keys) == ["oversize", "wrong-version", "unknown-type", "truncated", "leftover"])
    }

    @Test func everyValidVectorRoundTrips() throws {
        for (name, bytes) in vectors.valid {
            let (frame, message) = try SpecVectors.decode(bytes)
            var encoded = ByteBuffer()
            try FrameEncoder().encode(data: message.frame(requestID: frame.requestID), out: &encoded)
            #expect(Array(encoded.readableBytesView) == bytes, "vector \(name)")
        }
    }

    @Test func vectorsCarryTheDocumentedValues() throws {
        let (enqueueFrame, enqueue) = try SpecVectors.decode(vectors.valid["enqueue"]!)
        #expect(enqueueFrame.requestID == 7)
        var envelope = Envelope(reversePath: "alice@example.org", recipients: [], bodyType: .eightBitMIME, declaredSize: 0)
        envelope.dsnReturn = .headers
        envelope.envelopeID = "QQ314159"
        envelope.append(recipient: "bob@localhost", dsn: RecipientDSN(notify: [.success, .failure], originalRecipient: "rfc822;bob@example.org"))
        envelope.append(recipient: "carol@localhost", dsn: RecipientDSN())
        #expect(enqueue == .enqueue(envelope))
        let (_, hello) = try SpecVectors.decode(vectors.valid["hello"]!)
        #expect(hello == .hello(version: 1, maximumPayload: 1_048_576, name: "tern-submitd"))
        let (_, error) = try SpecVectors.decode(vectors.valid["error"]!)
        #expect(error == .error(Reply(451, "4.3.0", "queue write failed")))
        let (_, deliver) = try SpecVectors.decode(vectors.valid["deliver"]!)
        #expect(deliver == .deliver(DeliveryRequest(queueID: QueueID("4bQk7Tm9XzB2c1")!, reversePath: "", arrival: 1_764_000_000,
                                                     mayBeRedelivery: true, recipients: ["bob@localhost"])))
        let (checkFrame, check) = try SpecVectors.decode(vectors.valid["rcpt-check"]!)
        #expect(checkFrame.requestID == 3 && check == .recipientCheck("bob@localhost"))
        let (_, control) = try SpecVectors.decode(vectors.valid["queue-control"]!)
        #expect(control == .queueControl(.hold, QueueID("4bQk7Tm9XzB2c1")!))
        let (_, flush) = try SpecVectors.decode(vectors.valid["queue-control-flush-all"]!)
        #expect(flush == .queueControl(.flush, nil))
        let (_, detail) = try SpecVectors.decode(vectors.valid["queue-detail"]!)
        guard case .queueDetail(let shown) = detail else { Issue.record("not a QUEUE_DETAIL"); return }
        #expect(shown.summary.held && shown.envelopeID == "QQ314159" && shown.returnContent == .headers)
        let (_, report) = try SpecVectors.decode(vectors.valid["queue-report"]!)
        #expect(report == .queueReport(QueueVerification(checked: 2, problems: [.init(name: "4bQk7Tm9XzB2c1", reason: "checksum mismatch")])))
        let (_, read) = try SpecVectors.decode(vectors.valid["mailbox-read"]!)
        #expect(read == .mailboxRead(user: "bob", number: 3))
    }

    @Test func badVectorsAreRefused() {
        let expected: [String: MailWireError] = [
            "oversize": .oversized(length: 1_048_577), "wrong-version": .unsupportedVersion(2),
            "unknown-type": .unknownType(0x7f), "truncated": .truncated, "leftover": .malformedPayload(.commit),
        ]
        for (name, error) in expected {
            #expect(throws: error, "bad vector \(name)") { _ = try SpecVectors.decode(vectors.bad[name]!) }
        }
    }
}
