// The queue's file I/O blocks (write, fsync, rename), so the queue asks its owner to run
// it off the async threads; tern-mtad passes NIO's thread pool, tests run it inline.

/// Runs blocking work somewhere it may block.
public protocol BlockingRunner: Sendable {
    /// - Throws: what `body` throws, or the runner's own error when it cannot run work.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}
