// A task that prefers an event loop's executor runs its nonisolated async code on that
// loop's thread, also after a suspension that a blocking-pool thread resumes.
import NIOCore
import NIOPosix
@testable import TernRuntime
import Testing

@Suite struct EventLoopExecutorTests {
    @Test func taskCodeRunsOnTheLoopBeforeAndAfterASuspension() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (before, after) = await withTaskGroup(of: (Bool, Bool).self) { group in
            group.addTask(executorPreference: EventLoopExecutor(loop)) {
                let before = loop.inEventLoop
                _ = try? await BlockingExecutor().run { 1 }
                return (before, loop.inEventLoop)
            }
            return await group.next()!
        }
        #expect(before)
        #expect(after)
    }
}
