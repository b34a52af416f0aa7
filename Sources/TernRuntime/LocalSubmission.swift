// mailctl's submission: a plain SMTP client (RFC 5321 §3.3) over tern-submitd's local
// socket. One message, sequential commands, every reply checked.
import MailCore
import NIOCore
import NIOPosix
import SMTP

public enum LocalSubmission {
    /// Where and why a submission stopped.
    public struct Failure: Error, CustomStringConvertible {
        /// The command that was refused (`RCPT TO:<x>`, `DATA`, ...), or `connect`.
        public let stage: String
        /// The server's reply; nil when the connection itself failed.
        public let reply: Reply?
        public let detail: String
        public var description: String { "\(stage): \(reply.map(\.description) ?? detail)" }
    }

    /// Submits `message` (LF or CRLF line ends) for `envelope` through the Unix socket at `path`.
    /// - Returns: the final 250 reply (it names the queue ID), or where and why it failed.
    public static func submit(path: String, hostname: String, envelope: Envelope, message: [UInt8]) async -> Result<Reply, Failure> {
        let (channel, inbox): (any Channel, ChannelInbox<ByteBuffer>)
        do {
            (channel, inbox) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path, channelInitializer: ChannelInbox<ByteBuffer>.initializer)
        } catch {
            return .failure(Failure(stage: "connect \(path)", reply: nil, detail: "\(error)"))
        }
        defer { channel.close(promise: nil) }
        var input = ByteBuffer()
        var parser = ReplyParser()
        func reply(_ stage: String) async throws -> Reply {
            while true {
                if let reply = try parser.next(&input) { return reply }
                guard var more = try await inbox.next() else {
                    throw Failure(stage: stage, reply: nil, detail: "connection closed by the server")
                }
                input.writeBuffer(&more)
            }
        }
        func expect(_ stage: String, _ success: Int) async throws -> Reply {
            let reply = try await reply(stage)
            guard reply.code == success else { throw Failure(stage: stage, reply: reply, detail: "") }
            return reply
        }
        /// Writes `bytes`. When the server closed the connection first (a 421 in the middle
        /// of DATA), its last reply is what failed `stage`, not the broken write.
        func write(_ bytes: ByteBuffer, _ stage: String) async throws {
            do {
                try await ChannelWrites.writeAndFlush([bytes], to: channel)
            } catch {
                throw Failure(stage: stage, reply: try await reply(stage), detail: "")
            }
        }
        func send(_ line: String, expecting code: Int) async throws -> Reply {
            try await write(ByteBuffer(string: line + "\r\n"), line)
            return try await expect(line, code)
        }
        do {
            _ = try await expect("greeting", 220)
            _ = try await send("EHLO \(hostname)", expecting: 250)
            _ = try await send("MAIL FROM:<\(envelope.reversePath)> BODY=8BITMIME", expecting: 250)
            for recipient in envelope.recipients { _ = try await send("RCPT TO:<\(recipient)>", expecting: 250) }
            _ = try await send("DATA", expecting: 354)
            var stuffer = DotStuffer()
            try await write(stuffer.encode(ByteBuffer(bytes: message)), "end of data")
            try await write(stuffer.finish(), "end of data")
            let queued = try await expect("end of data", 250)
            try? await write(ByteBuffer(string: "QUIT\r\n"), "QUIT")
            return .success(queued)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(stage: "session", reply: nil, detail: "\(error)"))
        }
    }
}
