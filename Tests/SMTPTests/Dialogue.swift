// Scripted SMTP dialogues kept as data (the OpenSMTPD way): client lines in, the reply
// codes expected out, run against the pure session with a simulated queue.
import MailCore
import NIOCore
import SMTP

/// One step: what the client sends, and the reply codes the server must send for it.
struct Step: Sendable {
    let send: String
    let expect: [Int]
    init(_ send: String, _ expect: Int...) {
        self.send = send
        self.expect = expect
    }
}

/// A session driven with a simulated queue that can be told to fail.
struct Dialogue {
    var session: SMTPServerSession
    var queueFails = false
    /// Content the queue received for the current message, and every committed message.
    var content = ""
    var committed: [(Envelope, String)] = []
    private var openEnvelope: Envelope?

    init(sizeLimit: UInt64 = 10_000_000, recipientLimit: Int = 100) {
        session = SMTPServerSession(settings: .init(
            hostname: "mx.example.org", clientDescription: "[192.0.2.1]", messageSizeLimit: sizeLimit,
            recipientLimit: recipientLimit, localDomains: ["example.org", "localhost"]))
    }

    /// Sends `text`, returns the reply codes in order.
    mutating func send(_ text: String) -> [Int] {
        var input = ByteBuffer(string: text)
        var codes: [Int] = []
        var pending = session.advance(&input)
        while !pending.isEmpty {
            let action = pending.removeFirst()
            switch action {
            case .reply(let reply): codes.append(reply.code)
            case .openQueue(let envelope):
                openEnvelope = envelope
                content = ""
                pending = (queueFails ? session.queueFailed(.queueUnavailable) : session.queueOpened(QueueID("0000000000BCDF")!, now: 0)) + pending
            case .writeContent(let buffer): content += String(buffer: buffer)
            case .commitQueue:
                if queueFails {
                    pending = session.queueFailed(.notDurable) + pending
                } else {
                    committed.append((openEnvelope!, content))
                    pending = session.queueCommitted(QueueID("0000000000BCDF")!) + pending
                }
            case .flush, .close, .abortQueue: break
            }
            if pending.isEmpty { pending = session.advance(&input) }
        }
        return codes
    }

    /// Runs steps; returns the first mismatch as text, nil when all matched.
    mutating func run(_ steps: [Step]) -> String? {
        for step in steps {
            let codes = send(step.send)
            if codes != step.expect { return "\(step.send.debugDescription): expected \(step.expect), got \(codes)" }
        }
        return nil
    }
}
