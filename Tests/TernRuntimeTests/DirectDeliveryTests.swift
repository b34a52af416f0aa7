// tern-mtad's direct delivery against a real Unix socket whose tern-deliverd never answers,
// or stops reading after the handshake: the attempt ends at its time limit with 451 (the
// message is then queued), and a message that does not qualify is not tried.
import Foundation
import Glibc
import Logging
import MailCore
import MailWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Queue
@testable import TernRuntime
import Testing

@Suite struct DirectDeliveryTests {
    static func incoming(_ store: QueueStore, recipients: [String], body: String = "hello\r\n") -> IncomingMessage {
        let header = QueueFile.Header(queueID: QueueID("0lDGMhr3h0tPHt")!, arrival: 1_795_971_919,
                                      envelope: Envelope(reversePath: "alice@example.test", recipients: recipients))
        let message = store.create(header)
        _ = message.hold(ByteBuffer(string: "Subject: hi\r\n\r\n" + body))
        return message
    }

    /// Answers HELLO with WELCOME, then never reads the socket again.
    final class DeafAfterHandshake: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        /// The connections it serves, for closing them.
        let connections: NIOLockedValueBox<[Channel]>

        init(connections: NIOLockedValueBox<[Channel]>) { self.connections = connections }

        func channelActive(context: ChannelHandlerContext) {
            connections.withLockedValue { $0.append(context.channel) }
            context.read()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var welcome = ByteBuffer()
            let frame = Message.welcome(version: Frame.version, maximumPayload: UInt32(Frame.maximumPayload), name: "deaf").frame(requestID: 0)
            try? FrameEncoder().encode(data: frame, out: &welcome)
            context.writeAndFlush(wrapOutboundOut(welcome), promise: nil)
        }
    }

    /// A message larger than the socket's buffers, to a tern-deliverd that stopped reading:
    /// the send cannot finish, and the time limit must still end the attempt.
    @Test func anAttemptWhosePeerStopsReadingEndsAtItsTimeLimit() async throws {
        let queue = "/tmp/tern-direct-queue-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let path = queue + ".sock"
        defer {
            try? FileManager.default.removeItem(atPath: queue)
            unlink(path)
        }
        let store = try QueueStore(directory: queue, runner: BlockingExecutor())
        let connections = NIOLockedValueBox<[Channel]>([])
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { $0.pipeline.addHandler(DeafAfterHandshake(connections: connections)) }
            .bind(unixDomainSocketPath: path).get()
        // Should the attempt hang, closing the connections after 20 s lets the test end and fail.
        let rescue = server.eventLoop.scheduleTask(in: .seconds(20)) {
            for connection in connections.withLockedValue({ $0 }) { connection.close(promise: nil) }
        }
        try await MailWirePoolTests.withRunningPool(path: path) { pool in
            let direct = DirectDelivery(agent: LocalDeliveryAgent(deliverd: pool, store: store, logger: Logger(label: "test")),
                                        localDomains: ["localhost"], concurrency: 2, timeLimit: .milliseconds(300))
            let started = ContinuousClock.now
            let replies = await direct.attempt(Self.incoming(store, recipients: ["bob@localhost"],
                                                             body: String(repeating: "x", count: 250_000)))
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(replies?.map(\.code) == [451])
        }
        rescue.cancel()
        for connection in connections.withLockedValue({ $0 }) { try? await connection.close() }
        try await server.close()
    }

    @Test func anUnansweredAttemptEndsAtItsTimeLimitWith451() async throws {
        let queue = "/tmp/tern-direct-queue-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        let store = try QueueStore(directory: queue, runner: BlockingExecutor())
        try await MailWirePoolTests.withServer(silent: true) { path in
            try await MailWirePoolTests.withRunningPool(path: path) { pool in
                let direct = DirectDelivery(agent: LocalDeliveryAgent(deliverd: pool, store: store, logger: Logger(label: "test")),
                                            localDomains: ["localhost"], concurrency: 2, timeLimit: .milliseconds(200))
                let replies = await direct.attempt(Self.incoming(store, recipients: ["bob@localhost"]))
                #expect(replies?.map(\.code) == [451])
                #expect(replies?.first?.lines.joined().contains("no answer from tern-deliverd") == true)
                #expect(await direct.attempt(Self.incoming(store, recipients: ["bob@localhost", "carol@localhost"])) == nil)
                #expect(await direct.attempt(Self.incoming(store, recipients: ["bob@example.test"])) == nil)
            }
        }
    }
}
