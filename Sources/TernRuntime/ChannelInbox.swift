// The reading end of a connection for the one task that serves it: the last inbound
// handler of the pipeline queues what it reads, and `next()` takes it. It replaces
// NIOAsyncChannel's inbound stream, whose generic, lock-guarded code NIO does not
// specialize for our element types: in tern-submitd that bridge and its writer cost about
// half of all instructions per message (callgrind), most of it runtime metadata lookups.
// All state lives on the channel's event loop, so a task running there (it prefers the
// loop's `EventLoopExecutor`) takes what was already read without suspending.
import NIOCore

/// Queues a channel's inbound elements for one reader, with read backpressure.
///
/// Add it last in the pipeline. Reads stop while `highWatermark` elements wait and resume
/// when fewer than `lowWatermark` do (NIOAsyncChannel's defaults, 10 and 2). The end of
/// the connection, or an error the pipeline raises, is reported after the elements read
/// before it.
final class ChannelInbox<Element: Sendable>: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = Element
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let eventLoop: any EventLoop
    private let highWatermark = 10
    private let lowWatermark = 2
    // Everything below is touched on `eventLoop` only.
    private var buffered = CircularBuffer<Element>()
    /// Set when the channel closed (success) or the pipeline raised an error.
    private var end: Result<Void, any Error>?
    private var waiter: CheckedContinuation<Element?, any Error>?
    private var context: ChannelHandlerContext?
    /// A read was asked for while `highWatermark` elements waited; it is issued later.
    private var readHeld = false

    /// - Parameter eventLoop: the channel's event loop.
    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// A new inbox, added last to `channel`'s pipeline. Call on the channel's event loop.
    /// - Throws: `ChannelError` when the pipeline is closed.
    static func installed(on channel: any Channel) throws -> ChannelInbox {
        let inbox = ChannelInbox(eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(inbox)
        return inbox
    }

    /// The next element read, or nil once the channel closed and everything read is taken.
    /// For one task at a time; callable from any thread, fastest on the channel's loop.
    /// - Throws: the error the pipeline raised (a TLS failure, `MailWireError` from the
    ///   frame decoder, ...), or `CancellationError` when the task is cancelled.
    func next() async throws -> Element? {
        if eventLoop.inEventLoop, let ready = try takeReady() { return ready }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if eventLoop.inEventLoop {
                    wait(continuation)
                } else {
                    eventLoop.execute { self.wait(continuation) }
                }
            }
        } onCancel: {
            eventLoop.execute { self.finish(.failure(CancellationError())) }
        }
    }

    /// An element read or the end, nil when there is neither yet.
    private func takeReady() throws -> Element?? {
        if let element = buffered.popFirst() {
            if readHeld && buffered.count < lowWatermark, let context {
                readHeld = false
                context.read()
            }
            return .some(element)
        }
        guard let end else { return nil }
        try end.get()
        return .some(nil)
    }

    private func wait(_ continuation: CheckedContinuation<Element?, any Error>) {
        do {
            if let ready = try takeReady() { return continuation.resume(returning: ready) }
            waiter = continuation
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// Records the end (the first one counts) and wakes a waiting reader with it.
    private func finish(_ result: Result<Void, any Error>) {
        if end == nil { end = result }
        guard let waiter else { return }
        self.waiter = nil
        wait(waiter)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(.success(()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let element = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: element)
        } else {
            buffered.append(element)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.success(()))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
    }

    func read(context: ChannelHandlerContext) {
        if buffered.count >= highWatermark {
            readHeld = true
        } else {
            context.read()
        }
    }
}
