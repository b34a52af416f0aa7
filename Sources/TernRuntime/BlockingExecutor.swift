// Blocking file I/O (write, fsync, rename) runs on NIO's thread pool, never on an event
// loop or the cooperative pool, so one slow disk does not stall every connection.
import NIOPosix
import Queue

/// Runs blocking work off the async threads.
public struct BlockingExecutor: BlockingRunner {
    public init() {}

    /// - Throws: what `body` throws, or NIO's error when the pool is shut down.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
