// Writes straight into a channel's pipeline, for MailWire peers: NIOAsyncChannel's
// outbound writer is generic code NIO does not specialize for our element types, and its
// yields cost more than the pipeline write itself (measured with callgrind).
import NIOCore

extension Channel {
    /// Writes `items` in order through the whole pipeline and flushes once, so small items
    /// leave in one write(2).
    ///
    /// Returns when the flush completed: the bytes are in the kernel's socket buffer. A peer
    /// that stops reading therefore holds the caller back, as NIOAsyncChannel's writer does.
    /// Callable from any thread; writes from one task keep their order.
    /// - Parameter items: what the pipeline's last outbound handler takes (MailWire
    ///   `Frame`s); nothing is written for an empty array.
    /// - Throws: `ChannelError` (e.g. `.ioOnClosedChannel`) or the I/O error of the failed write.
    func writeAndFlush<Item: Sendable>(contentsOf items: [Item]) async throws {
        guard let last = items.indices.last else { return }
        for index in 0..<last { write(items[index], promise: nil) }
        try await writeAndFlush(items[last]).get()
    }
}
