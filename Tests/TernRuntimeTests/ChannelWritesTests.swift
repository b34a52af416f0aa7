// ChannelWrites.writeAndFlush on a real Unix socket pair, from a task on the
// channel's event loop: writes return while the channel is writable, the writer is held
// back once the kernel's buffer and NIO's high watermark are full until the peer reads,
// and a write to a closed channel throws.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import TernRuntime
import Testing

@Suite struct ChannelWritesTests {
    /// A connected pair over a Unix socket, accepted through `Listeners`; the server side
    /// reads nothing until its autoRead is turned on. The client's high watermark is 4 KiB.
    static func connectedPair() async throws -> (client: any Channel, server: any Channel) {
        let (listener, path) = try await temporaryListener("writes") { channel in
            channel.setOption(.autoRead, value: false).map { channel }
        }
        defer { unlink(path) }
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.writeBufferWaterMark, value: .init(low: 1024, high: 4096))
            .connect(unixDomainSocketPath: path).get()
        let server = try #require(try await listener.next())
        try await listener.channel.close()
        return (client, server)
    }

    @Test func theWriterIsHeldBackAtTheHighWatermarkUntilThePeerReads() async throws {
        let (client, server) = try await Self.connectedPair()
        let onLoop = EventLoopExecutor(client.eventLoop)
        let chunk = ByteBuffer(repeating: 0x61, count: 16_384)

        // Every write returns while the channel is writable: into the kernel's buffer, then
        // into the channel's own, until that passes the high watermark.
        let returned = try await Task(executorPreference: onLoop) {
            var count = 0
            while client.isWritable && count < 10_000 {
                try await ChannelWrites.writeAndFlush([chunk], to: client)
                count += 1
            }
            return count
        }.value
        #expect(returned < 10_000)
        #expect(!client.isWritable)

        // Now a write waits until the peer has read enough.
        let done = NIOLockedValueBox(false)
        let held = Task(executorPreference: onLoop) {
            try await ChannelWrites.writeAndFlush([chunk], to: client)
            done.withLockedValue { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!done.withLockedValue { $0 })
        try await server.setOption(.autoRead, value: true).get()
        try await held.value
        #expect(done.withLockedValue { $0 })
        try await client.close()
    }

    @Test func aWriteToAClosedChannelThrows() async throws {
        let (client, server) = try await Self.connectedPair()
        try await client.close()
        await #expect(throws: ChannelError.self) {
            try await Task(executorPreference: EventLoopExecutor(client.eventLoop)) {
                try await ChannelWrites.writeAndFlush([ByteBuffer(string: "250 OK\r\n")], to: client)
            }.value
        }
        try? await server.close()
    }
}
