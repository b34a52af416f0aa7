// Writes straight into a channel's pipeline, for MailWire peers and SMTP replies:
// NIOAsyncChannel's outbound writer is generic code NIO does not specialize for our
// element types, and its yields cost more than the pipeline write itself (callgrind).
import NIOCore

extension Channel {
    /// Writes `items` in order through the whole pipeline and flushes once, so small items
    /// leave in one write(2).
    ///
    /// Returns when the flush completed: the bytes are in the kernel's socket buffer, so a
    /// peer that stops reading holds the caller back (NIOAsyncChannel's writer waits only
    /// while the channel is not writable). Called on the channel's event loop (a connection's
    /// task, `EventLoopExecutor`), a flush the kernel took at once returns without
    /// suspending (unless the task is cancelled): awaiting the completed future would cost a
    /// task switch per write. Cancelling the task closes the channel, which ends the wait
    /// with an error: a stream cut off in the middle of a frame is unusable anyway, and time
    /// limits (direct delivery's) work by cancelling.
    /// Callable from any thread; writes from one task keep their order.
    /// - Parameter items: what the pipeline's last outbound handler takes (MailWire
    ///   `Frame`s, SMTP reply `ByteBuffer`s); nothing is written for an empty array.
    /// - Throws: `ChannelError` (e.g. `.ioOnClosedChannel`) or the I/O error of the failed write.
    func writeAndFlush<Item: Sendable>(contentsOf items: [Item]) async throws {
        // count, not indices: this generic code is not specialized, and indices costs a
        // witness-table walk per call.
        let last = items.count - 1
        guard last >= 0 else { return }
        for index in 0..<last { write(items[index], promise: nil) }
        let flushed: EventLoopFuture<Void> = writeAndFlush(items[last])
        if !Task.isCancelled, let done = flushed.completedResult { return try done.get() }
        try await withTaskCancellationHandler {
            try await flushed.get()
        } onCancel: {
            close(promise: nil)
        }
    }
}
