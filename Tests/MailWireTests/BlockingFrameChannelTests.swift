// BlockingFrameChannel over a real socket pair: a batch larger than the socket buffer,
// sent while the reader stalls past the send time limit, so writev(2) returns a short
// count and the rest must follow from the right octet; every frame arrives intact.
import Dispatch
import Glibc
import MailCore
import MailWire
import NIOCore
import Testing

@Suite struct BlockingFrameChannelTests {
    @Test func aStalledReaderGetsEveryFrameWhole() throws {
        var pair: [CInt] = [-1, -1]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { pair.forEach { _ = close($0) } }
        var small: CInt = 16_384
        _ = setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<CInt>.size))
        nonisolated(unsafe) let sender = BlockingFrameChannel(descriptor: pair[0])  // used by the sending thread alone
        sender.limitWaits(toSeconds: 2)
        let pieces = (0..<4).map { ByteBuffer(repeating: UInt8(0x61 + $0), count: 65_536 - $0) }
        let batch: [(message: Message, requestID: UInt32)] =
            [(.commit(1), 1)] + pieces.map { (.chunk($0), 2) } + [(.end(262_138), 2), (.abort, 3)]

        let sent = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        nonisolated(unsafe) var seconds = 0.0
        DispatchQueue.global().async {
            let start = DispatchTime.now().uptimeNanoseconds
            do { try sender.send(batch) } catch { failure = error }
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            sent.signal()
        }
        let receiver = BlockingFrameChannel(descriptor: pair[1])
        var received = [try receiver.receive()]
        // The sender's first writev waits its 2 s limit out and returns short; the next one
        // has 2 s more to see the reader back.
        usleep(3_000_000)
        for _ in 1..<batch.count { received.append(try receiver.receive()) }
        sent.wait()
        #expect(failure == nil)
        #expect(seconds > 2, "send took \(seconds) s: no writev waited its limit out, so none returned short")
        #expect(received.map { $0?.0 } == batch.map(\.message))
        #expect(received.map { $0?.1 } == batch.map(\.requestID))
    }
}
