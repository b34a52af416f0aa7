// Writes straight into a channel's pipeline, for MailWire peers and SMTP replies:
// NIOAsyncChannel's outbound writer is generic code NIO does not specialize for our
// element types, and its yields cost more than the pipeline write itself (callgrind).
import NIOCore

/// Writes into a channel for a connection's task.
enum ChannelWrites {
    /// Writes `items` in order through the whole pipeline of `channel` and flushes once, so
    /// small items leave in one write(2).
    ///
    /// When it returns depends on where it runs and on `untilSent`:
    /// - On the channel's event loop (a connection's task, `EventLoopExecutor`), with the
    ///   task not cancelled and the channel writable (it holds less than its high
    ///   watermark, 64 KiB by default, of unsent bytes), it returns as soon as the channel
    ///   took the items, without a promise or a task switch: they are in the kernel's socket
    ///   buffer or wait in the channel's. A peer that stops reading holds the caller back
    ///   once the high watermark is reached, as NIOAsyncChannel's writer does. A write that
    ///   fails later closes the channel, which the connection's reader sees next.
    ///   (A promise per write cost 4.7% of tern-submitd's instructions, callgrind.)
    /// - Otherwise, and always when `untilSent` is true, it returns when the flush
    ///   completed: the bytes are in the kernel's socket buffer. Use `untilSent` for the
    ///   last write before closing: a close drops what the channel still holds.
    ///
    /// Cancelling the task while it waits closes the channel, which ends the wait with an
    /// error: a stream cut off in the middle of a frame is unusable anyway, and time limits
    /// (direct delivery's) work by cancelling.
    /// Callable from any thread; writes from one task keep their order.
    ///
    /// A static function of `Item` alone, writing through the channel's pipeline: Channel's
    /// own `write` is generic code NIO does not specialize, which wrapped each item in
    /// `NIOAny` with four dynamic casts (callgrind); the pipeline's is inlinable.
    /// - Parameters:
    ///   - items: what the pipeline's last outbound handler takes (MailWire `Frame`s, SMTP
    ///     reply `ByteBuffer`s); nothing is written for an empty array.
    ///   - channel: the connection.
    ///   - untilSent: wait until the bytes are in the kernel's socket buffer.
    /// - Throws: `ChannelError` (`.ioOnClosedChannel` also when this write closed it) or
    ///   the I/O error of the failed write.
    static func writeAndFlush<Item: Sendable>(_ items: [Item], to channel: any Channel, untilSent: Bool = false) async throws {
        guard let last = items.last else { return }
        let pipeline = channel.pipeline
        for item in items.dropLast() { pipeline.write(item, promise: nil) }
        let onLoop = channel.eventLoop.inEventLoop && !Task.isCancelled
        if onLoop && !untilSent && channel.isWritable {
            pipeline.writeAndFlush(last, promise: nil)
            guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
            return
        }
        let flushed = channel.eventLoop.makePromise(of: Void.self)
        pipeline.writeAndFlush(last, promise: flushed)
        if onLoop, let done = flushed.futureResult.completedResult { return try done.get() }
        try await withTaskCancellationHandler {
            try await flushed.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
