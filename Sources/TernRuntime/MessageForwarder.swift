// Mail for an alias that names addresses elsewhere is queued again for them, as Postfix's
// local(8) does: a new message in tern-mtad's queue (MailWire ENQUEUE, protocols/mailwire.md)
// with the original reverse-path, the remote addresses as forward-paths, and the content
// headed by `Delivered-To: <alias>`, so that a copy coming back is recognised as a loop.
import MailCore
import MailWire
import NIOCore

/// Queues copies of a spooled message through tern-mtad.
struct MessageForwarder: Sendable {
    let queueSocket: String
    private let executor = BlockingExecutor()

    init(queueSocket: String) { self.queueSocket = queueSocket }

    /// Queues the message for `addresses` on behalf of the alias `deliveredTo`.
    /// - Returns: `250 2.0.0` naming the new queue ID, or the queue's refusal (451 4.3.0
    ///   when tern-mtad cannot be reached), so the caller retries or bounces by class.
    func forward(_ spool: MessageSpool, reversePath: String, to addresses: [String], deliveredTo: String) async -> Reply {
        var envelope = Envelope(reversePath: reversePath, recipients: addresses, bodyType: .eightBitMIME)
        envelope.smtpUTF8 = !(addresses + [reversePath]).allSatisfy(MailAddress.isASCII)
        do {
            return try await MailWireClient.withConnection(path: queueSocket, name: "tern-deliverd") { peer in
                let id = peer.nextRequestID()
                try await peer.send(.enqueue(envelope), requestID: id)
                switch try await peer.expect().message {
                case .queueID: break
                case .error(let reply): return reply
                case let other: throw MailWireError.unexpected(other.type)
                }
                let trace = ByteBuffer(string: TraceHeaders.forwarded(alias: deliveredTo))
                try await peer.send(.chunk(trace), requestID: id)
                var offset: UInt64 = 0
                while true {
                    let start = offset
                    let piece = try await executor.run { try spool.read(at: start, count: Frame.maximumChunk) }
                    if piece.readableBytes == 0 { break }
                    offset += UInt64(piece.readableBytes)
                    try await peer.send(.chunk(piece), requestID: id)
                }
                try await peer.send(.commit(UInt64(trace.readableBytes) + offset), requestID: id)
                switch try await peer.expect().message {
                case .queued(let queueID): return Reply(250, "2.0.0", "forwarded to \(addresses.joined(separator: ", ")) as \(queueID)")
                case .error(let reply): return reply
                case let other: throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            return Reply(451, "4.3.0", "cannot queue the forwarded copy: \(error)")
        }
    }
}
