// A listener on a real Unix socket: each accepted connection comes out of `next()` set up
// by the initializer, however long that takes, and registered (it becomes active, so it
// reads and writes); a connection whose set-up fails is closed alone; closing the
// listening channel ends `next()`.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import TernRuntime
import Testing

@Suite struct ListenersTests {
    @Test func acceptedConnectionsAreSetUpAndActiveUntilTheListenerCloses() async throws {
        let (listener, path) = try await temporaryListener("listen") { channel in
            channel.eventLoop.makeSucceededFuture(channel)
        }
        defer { unlink(path) }
        var clients: [any Channel] = []
        for _ in 0..<3 {
            clients.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get())
            let accepted = try await Self.next(from: listener)
            let deadline = ContinuousClock.now + .seconds(5)
            while !accepted.isActive {
                try #require(ContinuousClock.now < deadline, "the accepted channel was not registered")
                try await Task.sleep(for: .milliseconds(1))
            }
            try await accepted.close()
        }
        try await listener.channel.close()
        #expect(try await listener.next() == nil)
        for client in clients { try? await client.close() }
    }

    /// `next()` waits for the initializer: a connection whose set-up finishes after NIO has
    /// accepted it still comes out (it once went missing, and `next()` waited for ever).
    @Test func aConnectionIsPassedOnOnlyOnceItsInitializerFinished() async throws {
        let (listener, path) = try await temporaryListener("slow") { channel in
            channel.eventLoop.scheduleTask(in: .milliseconds(200)) { channel }.futureResult
        }
        defer { unlink(path) }
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get()
        let accepted = try await Self.next(from: listener)
        #expect(accepted.remoteAddress != nil)
        try await accepted.close()
        try? await client.close()
        try await listener.channel.close()
    }

    /// A connection whose set-up fails is closed alone: the listener goes on accepting.
    @Test func aFailedInitializerEndsOnlyItsConnection() async throws {
        let attempts = NIOLockedValueBox(0)
        let (listener, path) = try await temporaryListener("failing") { channel in
            let first = attempts.withLockedValue { $0 += 1; return $0 == 1 }
            return first ? channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) : channel.eventLoop.makeSucceededFuture(channel)
        }
        defer { unlink(path) }
        let refused = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get()
        try await refused.closeFuture.get()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get()
        let accepted = try await Self.next(from: listener)
        #expect(attempts.withLockedValue { $0 } == 2)
        try await accepted.close()
        try? await client.close()
        try await listener.channel.close()
    }

    /// The listener's next connection, or a failure after 10 s instead of a hung test.
    static func next(from listener: Listener<any Channel>) async throws -> any Channel {
        try await withThrowingTaskGroup(of: (any Channel)?.self) { group in
            group.addTask { try await listener.next() }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            return try #require(try await group.next() ?? nil, "no connection came out of next() within 10 s")
        }
    }
}
