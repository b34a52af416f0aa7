// The reading end of a connection for the one task that serves it: the last inbound
// handler of the pipeline queues what it reads, and `next()` takes it. It replaces
// NIOAsyncChannel's inbound stream, whose generic, lock-guarded code NIO does not
// specialize for our element types: in tern-submitd that bridge and its writer cost about
// a fifth of all instructions per message (callgrind), most of it runtime metadata
// lookups. All state lives on the channel's event loop, so a task running there (it
// prefers the loop's `EventLoopExecutor`) takes what was already read without suspending.
import MailWire
import NIOCore

/// One call of `ChannelInbox.next()` that had to wait, so that cancelling it fails that
/// call only. Not nested in the generic inbox: a nested class is generic too, and its
/// metadata would be looked up at run time whenever a waiting call is stored or taken.
private final class InboxReader: Sendable {}

/// Queues a channel's inbound elements for one reader, with read backpressure.
///
/// Add it last in the pipeline. Reads stop while `highWatermark` elements wait and resume
/// when fewer than `lowWatermark` do (NIOAsyncChannel's defaults, 10 and 2). The end of
/// the connection (the channel closed, or this handler removed) or the first error the
/// pipeline raises is reported once the elements read before it are taken; nothing read
/// after it is kept. A reader waiting off the event loop is woken through the loop, so
/// the loop must still be running (it is, for as long as the daemon's channels are).
final class ChannelInbox<Element: Sendable>: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = Element
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let eventLoop: any EventLoop
    private let highWatermark = 10
    private let lowWatermark = 2
    // Everything below is touched on `eventLoop` only.
    private var buffered = CircularBuffer<Element>()
    /// Set when the channel closed or the handler was removed (success), or the pipeline
    /// raised an error.
    private var end: Result<Void, any Error>?
    /// The waiting call and its continuation, set together. Two optionals, not an optional
    /// tuple: copying that tuple went through run-time metadata lookups on every read.
    private var waitingReader: InboxReader?
    private var waiting: CheckedContinuation<Element?, any Error>?
    /// A waiting call cancelled before its wait reached the loop.
    private var cancelledEarly: InboxReader?
    private var context: ChannelHandlerContext?
    /// A read was asked for while `highWatermark` elements waited; it is issued later.
    private var readHeld = false

    /// Whether what the inbox takes also goes on to the end of the pipeline.
    private let passesOn: Bool

    private init(eventLoop: any EventLoop, passesOn: Bool) {
        self.eventLoop = eventLoop
        self.passesOn = passesOn
    }

    /// A new inbox, added last to `channel`'s pipeline. Call on the channel's event loop.
    /// - Parameter passesOn: also pass each element taken to the end of the pipeline. A
    ///   listening channel needs that: it registers an accepted channel when the channel
    ///   reaches the end of its pipeline.
    /// - Throws: `ChannelError` when the pipeline is closed.
    static func installed(on channel: any Channel, passesOn: Bool = false) throws -> ChannelInbox {
        let inbox = ChannelInbox(eventLoop: channel.eventLoop, passesOn: passesOn)
        try channel.pipeline.syncOperations.addHandler(inbox)
        return inbox
    }

    /// A client bootstrap's channel initializer for a connection read through an inbox and
    /// written directly: the channel, and the inbox added to it.
    static func initializer(_ channel: any Channel) -> EventLoopFuture<(any Channel, ChannelInbox)> {
        channel.eventLoop.makeCompletedFuture { (channel, try installed(on: channel)) }
    }

    /// The next element read, or nil once the channel closed and everything read is taken.
    /// For one task at a time; callable from any thread, fastest on the channel's loop.
    /// - Throws: the error the pipeline raised (a TLS failure, `MailWireError` from the
    ///   frame decoder, ...), again on every later call; `CancellationError` when the task
    ///   is cancelled while this call waits (the inbox stays usable: a later call gets the
    ///   next element).
    func next() async throws -> Element? {
        if eventLoop.inEventLoop, let ready = try takeReady() { return ready }
        try Task.checkCancellation()
        let reader = InboxReader()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if eventLoop.inEventLoop {
                    wait(reader, continuation)
                } else {
                    eventLoop.execute { self.wait(reader, continuation) }
                }
            }
        } onCancel: {
            eventLoop.execute { self.cancel(reader) }
        }
    }

    /// Whether a call of `next()` waits now (tests; on the event loop).
    var hasWaitingReader: Bool { waiting != nil }

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

    private func wait(_ reader: InboxReader, _ continuation: CheckedContinuation<Element?, any Error>) {
        if cancelledEarly === reader {
            cancelledEarly = nil
            return continuation.resume(throwing: CancellationError())
        }
        do {
            if let ready = try takeReady() { return continuation.resume(returning: ready) }
            waitingReader = reader
            waiting = continuation
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// Fails `reader`'s wait; a reader already answered is not affected.
    private func cancel(_ reader: InboxReader) {
        guard let waitingReader else {
            // Its wait has not reached the loop yet (or it was answered: then never will).
            cancelledEarly = reader
            return
        }
        guard waitingReader === reader else { return }
        takeWaiting()?.resume(throwing: CancellationError())
    }

    /// Records the end (the first one counts) and wakes a waiting reader with it.
    private func finish(_ result: Result<Void, any Error>) {
        if end == nil { end = result }
        guard let reader = waitingReader, let continuation = takeWaiting() else { return }
        wait(reader, continuation)
    }

    /// The waiting call's continuation, now no longer waiting; nil when no call waits.
    private func takeWaiting() -> CheckedContinuation<Element?, any Error>? {
        defer {
            waitingReader = nil
            waiting = nil
        }
        return waiting
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(.success(()))
    }

    /// NIO calls this through the generic witness; the element types Tern uses get code
    /// specialized for them (SE-0460), not generic code that looks up type metadata at run
    /// time per read. The work is in `receive`, not inlined here, so that the check for
    /// those types comes before any such lookup the generic code needs.
    @specialized(where Element == SMTPInbound)
    @specialized(where Element == Frame)
    @specialized(where Element == ByteBuffer)
    @specialized(where Element == any Channel)
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if receive(data) && passesOn { context.fireChannelRead(data) }
    }

    /// Takes `data` for the reader; false when the inbox has ended (it is dropped).
    @inline(never)
    private func receive(_ data: NIOAny) -> Bool {
        guard end == nil else { return false }
        let element = unwrapInboundIn(data)
        if let continuation = takeWaiting() {
            continuation.resume(returning: element)
        } else {
            buffered.append(element)
        }
        return true
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
