// Test doubles for the queue: an inline blocking runner, a manual clock, a scripted
// delivery agent, and a temporary queue directory.
import Foundation
import MailCore
import NIOCore
import Queue

/// Runs blocking work inline (tests are allowed to block).
struct InlineRunner: BlockingRunner {
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try body() }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int64
    init(_ seconds: Int64) { self.seconds = seconds }
    var now: Int64 { lock.withLock { seconds } }
    func advance(to time: Int64) { lock.withLock { seconds = time } }
}

/// Answers each recipient with `answer(address)` and records every request.
final class ScriptedAgent: DeliveryAgent, @unchecked Sendable {
    private let lock = NSLock()
    private var answer: @Sendable (String) -> Reply
    private(set) var requests: [DeliveryRequest] = []

    init(_ answer: @escaping @Sendable (String) -> Reply) { self.answer = answer }

    func script(_ answer: @escaping @Sendable (String) -> Reply) { lock.withLock { self.answer = answer } }
    var delivered: [DeliveryRequest] { lock.withLock { requests } }

    func deliver(_ request: DeliveryRequest, message: StoredMessage) async -> [Reply] {
        lock.withLock {
            requests.append(request)
            return request.recipients.map(answer)
        }
    }
}

/// A fresh queue directory under the temporary folder.
func temporaryQueueDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("tern-queue-\(UUID().uuidString)").path
}

extension QueueStore {
    /// Commits one message with `content` (tests only).
    func commitMessage(_ header: QueueFile.Header, content: String) async throws -> StoredMessage {
        let incoming = create(header)
        try incoming.append(ByteBuffer(string: content))
        try await commit(incoming)
        return incoming.stored
    }
}

extension QueueManager {
    /// Waits until no job runs.
    func settled() async throws {
        for _ in 0..<2000 {
            if isIdle { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw CancellationError()
    }
}
