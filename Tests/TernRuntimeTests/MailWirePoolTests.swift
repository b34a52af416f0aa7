// Pooled MailWire connections against a real server on a Unix socket: requests share one
// connection, and a connection the server closed is replaced without failing a request.
import Glibc
import Logging
import MailCore
import MailWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import TernRuntime
import Testing

@Suite struct MailWirePoolTests {
    /// Answers RCPT_CHECK with OK; `close@…` is answered and then its connection closed.
    /// A `silent` server takes every request and never answers.
    /// Returns the number of connections accepted when `body` is done.
    @discardableResult
    static func withServer(silent: Bool = false, _ body: (String) async throws -> Void) async throws -> Int {
        let path = "/tmp/tern-pool-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        let accepted = NIOLockedValueBox(0)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path) { MailWireServer.configure($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            accepted.withLockedValue { $0 += 1 }
                            connections.addTask {
                                await MailWireServer.serve(connection, name: "test", logger: Logger(label: "test")) { message, id, peer, _ in
                                    guard !silent else { return }
                                    try await peer.send(.ok("yes"), requestID: id)
                                    if case .recipientCheck(let address) = message, address.hasPrefix("close@") {
                                        try await connection.channel.close()
                                    }
                                }
                            }
                        }
                    }
                }
            }
            try await body(path)
            group.cancelAll()
            try? await server.channel.close()
        }
        return accepted.withLockedValue { $0 }
    }

    static func check(_ pool: MailWirePool, _ address: String) async throws -> Message {
        try await pool.withConnection { peer in
            try await peer.send(.recipientCheck(address), requestID: peer.nextRequestID())
            return try await peer.expect().message
        }
    }

    static func withRunningPool(path: String, _ body: (MailWirePool) async throws -> Void) async throws {
        let pool = MailWirePool(path: path, name: "test")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            while !pool.isRunning { try await Task.sleep(for: .milliseconds(5)) }
            try await body(pool)
            group.cancelAll()
        }
    }

    @Test func requestsShareOneConnection() async throws {
        let connections = try await Self.withServer { path in
            try await Self.withRunningPool(path: path) { pool in
                for _ in 0..<5 {
                    let answer = try await Self.check(pool, "bob@localhost")
                    #expect(answer == .ok("yes"))
                }
            }
        }
        #expect(connections == 1)
    }

    @Test func aConnectionTheServerClosedIsReplaced() async throws {
        let connections = try await Self.withServer { path in
            try await Self.withRunningPool(path: path) { pool in
                let first = try await Self.check(pool, "close@localhost")
                let second = try await Self.check(pool, "bob@localhost")
                #expect(first == .ok("yes"))
                #expect(second == .ok("yes"))
            }
        }
        #expect(connections == 2)
    }
}
