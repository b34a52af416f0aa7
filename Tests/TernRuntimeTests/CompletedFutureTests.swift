// A future's result read without suspending: only when it is complete and the caller is on
// its event loop.
import NIOCore
import NIOEmbedded
import NIOPosix
@testable import TernRuntime
import Testing

@Suite struct CompletedFutureTests {
    struct Refused: Error {}

    @Test func aCompleteFutureGivesItsResultOnItsLoop() throws {
        let loop = EmbeddedEventLoop()
        #expect(try loop.makeSucceededFuture(7).completedResult?.get() == 7)
        #expect(throws: Refused.self) { try loop.makeFailedFuture(Refused()).completedResult?.get() as Int? }
    }

    @Test func aPendingFutureGivesNothing() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Int.self)
        #expect(promise.futureResult.completedResult == nil)
        promise.succeed(3)
        #expect(try promise.futureResult.completedResult?.get() == 3)
    }

    @Test func anotherThreadGetsNothing() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let future = group.next().makeSucceededFuture(1)
        #expect(future.completedResult == nil)
        #expect(try future.eventLoop.submit { future.completedResult != nil }.wait())
    }
}
