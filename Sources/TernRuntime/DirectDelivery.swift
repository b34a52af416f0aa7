// tern-mtad's direct local delivery (protocols/mailwire.md §ENQUEUE): a message with one
// recipient, in a local domain, whose content is still all in memory at COMMIT, is handed to
// tern-deliverd before tern-mtad answers QUEUED, as an LMTP server stores a message before
// its 250. The Maildir writer fsyncs the message before it answers, so the durability of
// the `250` is the same as through the queue, without the queue file: one file created and
// fsynced per message instead of two. What is not delivered then is queued as usual.
//
// One recipient only: with several, some could be delivered and the queue commit that
// follows for the others could fail; the client, told 451, would send the message again and
// the delivered recipients would get it twice. An attempt that runs past `timeLimit`, or
// one beyond `concurrency` attempts at once, is not waited for: the message is queued and
// its queued delivery finds an earlier copy by name.
import MailCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Queue

/// Delivers local mail during its ENQUEUE.
public struct DirectDelivery: Sendable {
    let agent: LocalDeliveryAgent
    let localDomains: Set<String>
    let concurrency: Int
    let timeLimit: Duration
    private let running = NIOLockedValueBox(0)

    /// - Parameters:
    ///   - localDomains: lower-case domains delivered by tern-deliverd.
    ///   - concurrency: most direct attempts at once (`delivery_concurrency`); beyond it
    ///     messages are queued.
    ///   - timeLimit: how long an attempt is waited for, well under the SMTP client's
    ///     patience (tern-submitd's `smtp_timeout`).
    public init(agent: LocalDeliveryAgent, localDomains: Set<String>, concurrency: Int, timeLimit: Duration = .seconds(30)) {
        self.agent = agent
        self.localDomains = localDomains
        self.concurrency = concurrency
        self.timeLimit = timeLimit
    }

    /// Delivers `incoming` when it has one recipient, in a local domain, and none of its
    /// content was written to the queue yet (so at most `IncomingMessage.writeThreshold`
    /// octets).
    /// - Returns: nil when not tried; else one reply per recipient: 451 4.3.0 when
    ///   tern-deliverd gave no answer in time (it may still deliver: queue the message,
    ///   and its queued delivery looks for that copy).
    public func attempt(_ incoming: IncomingMessage) async -> [Reply]? {
        let header = incoming.header
        guard header.envelope.recipients.count == 1,
              MailAddress.remoteDomain(of: header.envelope.recipients[0], localDomains: localDomains) == nil,
              let content = incoming.contentInMemory
        else { return nil }
        guard running.withLockedValue({ count in
            guard count < concurrency else { return false }
            count += 1
            return true
        }) else { return nil }
        defer { running.withLockedValue { $0 -= 1 } }
        let request = DeliveryRequest(queueID: header.queueID, reversePath: header.envelope.reversePath, arrival: header.arrival,
                                      mayBeRedelivery: false, recipients: header.envelope.recipients)
        let (agent, timeLimit) = (agent, timeLimit)
        return await withTaskGroup(of: [Reply]?.self) { group in
            group.addTask { await agent.deliver(request, content: content) }
            group.addTask {
                // A timer on the event loop, cancelled with the task: Task.sleep would leave
                // a Dispatch timer behind each delivered message until it fired, 30 s later.
                let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
                let timer = loop.scheduleTask(in: TimeAmount(timeLimit)) {}
                await withTaskCancellationHandler {
                    _ = try? await timer.futureResult.get()
                } onCancel: {
                    timer.cancel()
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? [Reply(451, "4.3.0", "no answer from tern-deliverd within \(timeLimit)")]
        }
    }
}
