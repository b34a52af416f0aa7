// The result of a future that is already complete, read without suspending.
import NIOCore

extension EventLoopFuture {
    /// The future's result if it is already complete and the caller is on its event loop;
    /// `nil` otherwise (not complete yet, or called from another thread).
    ///
    /// NIO runs a callback added to a completed future at once when the caller is on the
    /// future's loop, so this reads the result without the task switch `get()` costs.
    var completedResult: Result<Value, any Error>? {
        guard eventLoop.inEventLoop else { return nil }
        let slot = NIOLoopBoundBox<Result<Value, any Error>?>(nil, eventLoop: eventLoop)
        whenComplete { slot.value = $0 }
        return slot.value
    }
}
