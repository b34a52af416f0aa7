// tern-deliverd's MailWire requests: DELIVER (from tern-mtad), RCPT_CHECK (from
// tern-submitd) and the mailbox reads of mailctl (MAILBOX_LIST, MAILBOX_READ). The daemon
// never opens a mailbox itself: tern-local does, as the mailbox's owner. Who may read which
// mailbox is decided on the kernel's SO_PEERCRED uid: a user reads only their own; root
// may name anyone.
import Glibc
import Logging
import MailCore
import MailWire
import NIOCore

/// Answers MailWire requests to the local delivery agent.
public struct DeliveryRequests: Sendable {
    let configuration: Configuration
    let paths: TernPaths
    let directory: RecipientDirectory
    let delivery: LocalDelivery
    let helpers: MailboxHelperPool
    let executor = BlockingExecutor()
    let logger: Logger

    /// - Parameter helper: the tern-local executable; nil: the one beside this program.
    public init(context: DaemonContext, helper: String? = nil, logger: Logger) {
        configuration = context.configuration
        paths = context.paths
        directory = RecipientDirectory(aliasesFile: context.paths.aliasesFile, configuration: configuration, logger: logger)
        helpers = MailboxHelperPool(executable: helper ?? MailboxHelper.besideThisProgram(), hostname: configuration.hostname)
        delivery = LocalDelivery(directory: directory, configuration: configuration, mailRoot: context.paths.mailRoot,
                                 mailboxes: MailboxDeliveries(helpers: helpers, logger: logger),
                                 forwarder: MessageForwarder(queueSocket: context.paths.queueSocket), logger: logger)
        self.logger = logger
    }

    /// Handles one request from a peer whose uid is `peerUID` (nil: unknown, refused reads).
    /// - Throws: `MailWireError` for a message that does not start a request here.
    public func handle(_ message: Message, requestID: UInt32, peer: MailWirePeer, peerUID: UInt32?) async throws {
        switch message {
        case .deliver(let request):
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                try await discard(peer)
                try await peer.send(.error(Reply(550, "5.7.1", "permission denied: only the queue manager delivers")), requestID: requestID)
                return
            }
            try await deliver(request, requestID: requestID, peer: peer)
        case .recipientCheck(let address):
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                try await peer.send(.error(Reply(550, "5.7.1", "permission denied: only tern-submitd checks recipients")), requestID: requestID)
                return
            }
            try await peer.send(await check(address), requestID: requestID)
        case .mailboxList(let user):
            switch await mailbox(of: user, peerUID: peerUID) {
            case .failure(let refusal): try await peer.send(.error(refusal.reply), requestID: requestID)
            case .success(let location): try await relay(.mailboxList(user: ""), to: location, requestID: requestID, peer: peer)
            }
        case .mailboxRead(let user, let number):
            switch await mailbox(of: user, peerUID: peerUID) {
            case .failure(let refusal): try await peer.send(.error(refusal.reply), requestID: requestID)
            case .success(let location): try await relay(.mailboxRead(user: "", number: number), to: location, requestID: requestID, peer: peer)
            }
        default:
            throw MailWireError.unexpected(message.type)
        }
    }

    /// Spools the content, delivers it once END confirms it arrived whole, answers DELIVERED.
    private func deliver(_ request: DeliveryRequest, requestID: UInt32, peer: MailWirePeer) async throws {
        var failure: (any Error)?
        let spool = MessageSpool(directory: paths.temporaryDirectory)
        var received: UInt64 = 0
        while true {
            switch try await peer.expect().message {
            case .chunk(let content):
                received += UInt64(content.readableBytes)
                guard failure == nil else { continue }
                do { try await spool.append(content, executor: executor) } catch { failure = error }
            case .end(let total):
                guard total == received else { throw MailWireError.malformedPayload(.end) }
                let replies: [Reply]
                if failure == nil {
                    replies = await delivery.deliver(request, spool: spool)
                } else {
                    logger.error("cannot spool a message for delivery", metadata: ["queue.id": "\(request.queueID)", "error": "\(failure.map { "\($0)" } ?? "")"])
                    replies = request.recipients.map { _ in Reply(451, "4.3.0", "cannot spool the message: \(failure.map { "\($0)" } ?? "")") }
                }
                for (recipient, reply) in zip(request.recipients, replies) {
                    var metadata: Logger.Metadata = [
                        "queue.id": "\(request.queueID)", "rcpt.to": "\(recipient)", "dsn.status": "\(reply.enhanced)",
                        "reply": "\(reply)", "mail.from": "\(request.reversePath)",
                    ]
                    if reply.replyClass == 2 { metadata["event"] = "\(MailEvent.stored)" }
                    logger.info("local delivery", metadata: metadata)
                }
                // Crash test: the copies are in new/, tern-mtad has not heard of them.
                Failpoint.check("deliverd.after_link")
                try await peer.send(.delivered(replies), requestID: requestID)
                return
            case let other:
                throw MailWireError.unexpected(other.type)
            }
        }
    }

    /// Reads a refused DELIVER's content up to END (protocols/mailwire.md §DELIVER).
    private func discard(_ peer: MailWirePeer) async throws {
        while true {
            switch try await peer.expect().message {
            case .chunk: continue
            case .end: return
            case let other: throw MailWireError.unexpected(other.type)
            }
        }
    }

    /// OK when `address` is a local recipient, 550 5.1.1 when not, 451 4.3.0 when the
    /// aliases cannot be read.
    private func check(_ address: String) async -> Message {
        do {
            if try await directory.lookUp(on: executor, { $0.exists(address) }) { return .ok("\(address): local recipient") }
            logger.info("unknown local recipient", metadata: ["rcpt.to": "\(address)"])
            return .error(.unknownUser(address))
        } catch {
            logger.error("recipient lookup failed", metadata: ["rcpt.to": "\(address)", "error": "\(error)"])
            return .error(.recipientLookupFailed(address))
        }
    }

    /// Runs `request` in tern-local for `location` and passes its answer frames on.
    private func relay(_ request: Message, to location: MailboxLocation, requestID: UInt32, peer: MailWirePeer) async throws {
        var answered = false
        do {
            try await helpers.withHelper(location, create: false) { helper in
                let id = helper.nextRequestID()
                try await helper.run { try $0.send(request, requestID: id) }
                while true {
                    let answer = try await helper.run { channel in
                        guard let (answer, _) = try channel.receive() else { throw MailWireClosed() }
                        return answer
                    }
                    try await peer.send(answer, requestID: requestID)
                    if answer.isFinalAnswer {
                        answered = true
                        return
                    }
                }
            }
        } catch {
            logger.error("the mailbox helper failed", metadata: ["error": "\(error)"])
            if !answered { try await peer.send(.error(Reply(451, "4.3.0", "cannot read the mailbox now")), requestID: requestID) }
        }
    }

    /// The mailbox the caller may read: their own (empty `user`), or any when root.
    private func mailbox(of user: String, peerUID: UInt32?) async -> Result<MailboxLocation, ReplyError> {
        // 65534 is also the kernel's overflow uid (an unmapped user namespace): never trusted.
        guard let peerUID, peerUID != 65534 else { return .failure(ReplyError(Reply(550, "5.7.1", "cannot identify the caller"))) }
        let (mailRoot, configuration) = (paths.mailRoot, configuration)
        let found = try? await executor.run { () -> Result<MailboxLocation, ReplyError> in
            let callerName = UserAccounts.name(uid: peerUID)
            let wanted = user.isEmpty ? (callerName ?? "") : user
            guard peerUID == 0 || wanted == callerName else {
                return .failure(ReplyError(Reply(550, "5.7.1", "permission denied: not your mailbox")))
            }
            guard let name = MailboxName.directory(forLocalPart: wanted) else {
                return .failure(ReplyError(Reply(550, "5.1.1", "no such mailbox")))
            }
            return MailboxLocation.of(name, mailRoot: mailRoot, configuration: configuration)
        }
        return found ?? .failure(ReplyError(Reply(451, "4.3.0", "cannot look up the caller now")))
    }
}
