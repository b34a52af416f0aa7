// Concurrent commits share directory fsyncs, each caller returns only after an fsync that
// started after its call, and a failed fsync fails every caller it covered.
import Foundation
import Queue
import Testing

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int { lock.withLock { count += 1; return count } }
    var value: Int { lock.withLock { count } }
}

@Suite struct GroupCommitTests {
    @Test func concurrentCallersShareFsyncs() async throws {
        let fsyncs = Counter()
        let group = GroupCommit { _ = fsyncs.increment(); try await Task.sleep(for: .milliseconds(20)) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<50 { tasks.addTask { try await group.sync() } }
            try await tasks.waitForAll()
        }
        #expect(fsyncs.value >= 2)
        #expect(fsyncs.value < 10)
    }

    @Test func withoutGroupCommitEveryCallerFsyncs() async throws {
        let fsyncs = Counter()
        let group = GroupCommit(enabled: false) { _ = fsyncs.increment() }
        for _ in 0..<5 { try await group.sync() }
        #expect(fsyncs.value == 5)
    }

    @Test func failureReachesEveryCoveredCaller() async throws {
        struct Failed: Error {}
        let group = GroupCommit { try await Task.sleep(for: .milliseconds(10)); throw Failed() }
        let failures = Counter()
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<10 { tasks.addTask { do { try await group.sync() } catch { _ = failures.increment() } } }
        }
        #expect(failures.value == 10)
    }
}
