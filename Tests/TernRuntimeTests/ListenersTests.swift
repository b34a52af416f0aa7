// A listener on a real Unix socket: each accepted connection comes out of `next()` set up
// by the initializer and registered (it becomes active, so it reads and writes), and
// closing the listening channel ends `next()`.
import Foundation
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
            let accepted = try #require(try await listener.next())
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
}
