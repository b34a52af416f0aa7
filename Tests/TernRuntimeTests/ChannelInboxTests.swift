// ChannelInbox on NIO's async testing channel (a real event loop thread): elements in
// order, the end and a pipeline error only after what was read before them, a reader
// waiting on another thread, cancellation of one read (the inbox stays usable), and read
// backpressure at the watermarks.
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
@testable import TernRuntime
import Testing

@Suite struct ChannelInboxTests {
    /// Counts the reads that reach the head of the pipeline (the socket, on a real channel).
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Any
        let reads = NIOLockedValueBox(0)

        func read(context: ChannelHandlerContext) {
            reads.withLockedValue { $0 += 1 }
            context.read()
        }
    }

    struct Broken: Error {}

    static func make() async throws -> (NIOAsyncTestingChannel, ChannelInbox<Int>, ReadCounter) {
        let channel = NIOAsyncTestingChannel()
        let counter = ReadCounter()
        try await channel.pipeline.addHandler(counter)
        let inbox = try await channel.eventLoop.submit { try ChannelInbox<Int>.installed(on: channel) }.get()
        return (channel, inbox, counter)
    }

    @Test func aWaitingReaderIsWokenByTheClose() async throws {
        let (channel, inbox, _) = try await Self.make()
        async let waiting = inbox.next()
        try await Self.untilWaiting(inbox, on: channel)
        try await channel.close()
        #expect(try await waiting == nil)
    }

    @Test func elementsComeInOrderThenTheEnd() async throws {
        let (channel, inbox, _) = try await Self.make()
        for value in 1...3 { try await channel.writeInbound(value) }
        try await channel.close()
        var taken: [Int] = []
        while let value = try await inbox.next() { taken.append(value) }
        #expect(taken == [1, 2, 3])
        #expect(try await inbox.next() == nil)
    }

    @Test func aPipelineErrorComesAfterWhatWasReadBeforeIt() async throws {
        let (channel, inbox, _) = try await Self.make()
        try await channel.writeInbound(7)
        channel.pipeline.fireErrorCaught(Broken())
        #expect(try await inbox.next() == 7)
        await #expect(throws: Broken.self) { try await inbox.next() }
        try await channel.close()
    }

    /// Returns once a call of `next()` waits in `inbox`; fails after 5 s.
    static func untilWaiting(_ inbox: ChannelInbox<Int>, on channel: NIOAsyncTestingChannel) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !(try await channel.eventLoop.submit { inbox.hasWaitingReader }.get()) {
            try #require(ContinuousClock.now < deadline, "no reader waits")
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// A call of `next()` that waits gets `value`, written once it waits.
    static func expectWaitingRead(of value: Int, _ inbox: ChannelInbox<Int>, on channel: NIOAsyncTestingChannel) async throws {
        async let waiting = inbox.next()
        try await untilWaiting(inbox, on: channel)
        try await channel.writeInbound(value)
        #expect(try await waiting == value)
    }

    @Test func aWaitingReaderGetsTheNextElement() async throws {
        let (channel, inbox, _) = try await Self.make()
        try await Self.expectWaitingRead(of: 42, inbox, on: channel)
        try await channel.close()
    }

    @Test func aCancelledReadFailsAloneAndTheInboxStaysUsable() async throws {
        let (channel, inbox, _) = try await Self.make()
        let reader = Task { try await inbox.next() }
        try await Self.untilWaiting(inbox, on: channel)
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        try await Self.expectWaitingRead(of: 5, inbox, on: channel)
        try await channel.close()
    }

    @Test func anAlreadyCancelledReaderFailsAtOnce() async throws {
        let (channel, inbox, _) = try await Self.make()
        let reader = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await inbox.next()
        }
        await #expect(throws: CancellationError.self) { try await reader.value }
        try await Self.expectWaitingRead(of: 6, inbox, on: channel)
        try await channel.close()
    }

    @Test func readsStopAtTenWaitingAndResumeBelowTwo() async throws {
        let (channel, inbox, counter) = try await Self.make()
        for value in 0..<10 { try await channel.writeInbound(value) }
        channel.pipeline.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.withLockedValue { $0 } == 0)
        for expected in 0..<8 { #expect(try await inbox.next() == expected) }
        await channel.testingEventLoop.run()
        #expect(counter.reads.withLockedValue { $0 } == 0)
        #expect(try await inbox.next() == 8)
        await channel.testingEventLoop.run()
        #expect(counter.reads.withLockedValue { $0 } == 1)
        channel.pipeline.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.withLockedValue { $0 } == 2)
        try await channel.close()
    }
}
