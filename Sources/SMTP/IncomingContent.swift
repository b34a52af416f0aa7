// The content of one message on its way to the queue, whichever way it arrives (DATA or
// BDAT): counts octets against SIZE, holds back the header section to check its size and
// to add a missing Date and Message-ID at submission (RFC 6409 §8), and records the
// first reason to refuse the message. After a refusal nothing more is passed on.
import MailCore
import NIOCore

struct IncomingContent: Sendable {
    private var scanner: HeaderScanner
    private let sizeLimit: UInt64
    private let headerLimit: Int
    /// Fields to add at the end of the header section when missing (submission only).
    private let fixUps: [(name: String, field: String)]
    /// Content octets received from the client.
    private(set) var octets: UInt64 = 0
    /// Why the message will be refused, once known; the first reason wins.
    private(set) var refusal: Reply?

    init(settings: SMTPServerSettings, queueID: QueueID, now: Int64) {
        scanner = HeaderScanner(limit: settings.headerSectionLimit)
        sizeLimit = settings.messageSizeLimit
        headerLimit = settings.headerSectionLimit
        fixUps = settings.isLocalSubmission ? [
            ("date", "Date: \(InternetDate.format(unixSeconds: now))\r\n"),
            ("message-id", "Message-ID: <\(queueID).\(now)@\(settings.hostname)>\r\n"),
        ] : []
    }

    /// Starts refused: the queue could not take the message; its content is read and dropped.
    init(refusedWith reply: Reply) {
        scanner = HeaderScanner(limit: 0)
        sizeLimit = 0
        headerLimit = 0
        fixUps = []
        refusal = reply
    }

    /// Takes the next pieces from the client.
    /// - Returns: what to write to the queue, and whether this call refused the message
    ///   (so the caller aborts the queue transaction once).
    mutating func take(_ pieces: [ByteBuffer]) -> (write: [ByteBuffer], newlyRefused: Bool) {
        for piece in pieces { octets += UInt64(piece.readableBytes) }
        guard refusal == nil else { return ([], false) }
        if octets > sizeLimit { return refuse(.messageTooBig) }
        switch scanner.take(pieces) {
        case .holding: return ([], false)
        case .tooLarge: return refuse(.headerTooBig)
        case .pass(let passed): return (passed.filter { $0.readableBytes > 0 }, false)
        case .completed(let header, let rest):
            if header.readableBytes > headerLimit { return refuse(.headerTooBig) }
            return (withFixUps(header: header) + [rest], false)
        }
    }

    /// Refuses the message for `reply` unless it is already refused.
    mutating func refuse(_ reply: Reply) -> (write: [ByteBuffer], newlyRefused: Bool) {
        guard refusal == nil else { return ([], false) }
        refusal = reply
        return ([], true)
    }

    /// The rest held back at the end of the content (a message with no empty line).
    mutating func finish() -> [ByteBuffer] {
        guard refusal == nil else { return [] }
        let rest = scanner.finish()
        guard rest.readableBytes > 0 else { return [] }
        return rest.readableBytesView.suffix(2).elementsEqual([13, 10]) ? withFixUps(header: rest) : [rest]
    }

    /// A complete header section followed by the fields it lacks.
    private func withFixUps(header: ByteBuffer) -> [ByteBuffer] {
        guard !fixUps.isEmpty else { return [header] }
        let present = HeaderScanner.fieldNames(header)
        let added = fixUps.filter { !present.contains($0.name) }.map(\.field).joined()
        return added.isEmpty ? [header] : [header, ByteBuffer(string: added)]
    }
}

extension Reply {
    static let headerTooBig = Reply(552, "5.3.4", "Error: message header section too big")
}
