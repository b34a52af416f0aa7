// tern-mtad's SMTP relay: for each remote domain, the next hop (transport table,
// relayhost) or the MX records (RFC 5321 §5.1), each address tried in turn until one
// takes the message; per-recipient replies go back to the queue (2xx done, 4xx deferred,
// 5xx bounced). Loops are refused with 5.4.6: our own names as MX, our own SMTP endpoint,
// or more Received fields than `hop_limit` (RFC 5321 §6.3).
import Glibc
import Logging
import MailCore
import NIOCore
import NIOSSL
import PosixFile
import Queue
import Relay
import SMTP

/// Delivers queued messages to remote mail exchangers.
public struct RemoteDeliveryAgent: Sendable {
    let configuration: Configuration
    let resolver: DNSResolver
    let transports: TransportTable
    let relayhost: NextHop?
    let store: QueueStore
    let pool: OutboundPool
    let ownNames: Set<String>
    let ownEndpoints: Set<String>
    let executor = BlockingExecutor()
    let logger: Logger

    /// - Throws: when `transport_table` cannot be read or parsed, or `relayhost` is malformed.
    public init(configuration: Configuration, store: QueueStore, transportText: String, logger: Logger) throws {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        resolver = DNSResolver(server: configuration.dnsServer)
        transports = try TransportTable(parsing: transportText)
        if configuration.relayhost.isEmpty {
            relayhost = nil
        } else {
            guard let hop = NextHop(configuration.relayhost) else {
                throw Configuration.ParseError(line: 0, reason: "relayhost: expected [host]:port or host[:port]")
            }
            relayhost = hop
        }
        var client = TLSConfiguration.makeClientConfiguration()
        // Opportunistic TLS between MTAs does not authenticate the server (RFC 7435).
        client.certificateVerification = .none
        pool = OutboundPool(total: configuration.relayConcurrency, perDestination: configuration.destinationConcurrency,
                            heloName: configuration.hostname, tls: try? NIOSSLContext(configuration: client), logger: logger)
        ownNames = [configuration.hostname.lowercased(), "localhost"]
        let ownPort = ListenAddress.tcp(configuration.smtpListen).flatMap { if case .tcp(_, let port) = $0 { port } else { nil } } ?? 25
        ownEndpoints = Set(Self.localAddresses().map { "\($0)|\(ownPort)" })
    }

    /// Delivers to recipients that all share `domain`; one reply per recipient.
    /// - Parameter scan: the message's `scanContent`, read once for all its domains; nil
    ///   when its checksum did not match.
    func deliver(_ request: DeliveryRequest, domain: String, message: StoredMessage, scan: ContentScan?) async -> [Reply] {
        let all = { (reply: Reply) in Array(repeating: reply, count: request.recipients.count) }
        guard let scan else { return all(Reply(451, "4.3.0", "queue file damaged; held for the next verify")) }
        if scan.received > configuration.hopLimit {
            return all(Reply(554, "5.4.6", "too many Received fields (\(scan.received)): mail loop"))
        }
        let hosts: [String]
        switch await route(domain) {
        case .failure(let error): return all(error.reply)
        case .success(let planned): hosts = planned
        }
        var envelope = message.header.envelope
        envelope.recipients = request.recipients
        envelope.recipientDSN = request.recipients.map { recipient in
            message.header.envelope.recipients.firstIndex(of: recipient).map { message.header.envelope.dsn(ofRecipient: $0) } ?? RecipientDSN()
        }
        let outgoing = OutgoingMessage(envelope: envelope, size: message.contentLength, hasEightBitContent: scan.eightBit)
        let port = nextHop(for: domain)?.port ?? configuration.remoteSMTPPort
        var last = Reply(451, "4.4.1", "no mail exchanger of \(domain) could be reached")
        for host in hosts {
            let addresses: [String]
            switch await lookupAddresses(host) {
            case .failure(let error):
                last = error.reply
                continue
            case .success(let found): addresses = found
            }
            for address in addresses {
                if ownEndpoints.contains("\(address)|\(port)") {
                    return all(Reply(554, "5.4.6", "mail for \(domain) loops back to myself (\(address):\(port))"))
                }
                let destination = Destination(host: host, address: address, port: port,
                                              tlsRequired: configuration.tlsRequiredDomains.contains(domain))
                let result = await pool.deliver(outgoing, to: destination, contentLength: message.contentLength) { [store, executor] offset, length in
                    try await executor.run { try store.readContent(of: message, from: offset, length: length) }
                }
                switch result {
                case .done(let replies):
                    log(request, destination: destination, replies: replies)
                    return replies
                case .unusable(let reply):
                    logger.warning("mail exchanger unusable, trying the next", metadata: [
                        "queue.id": "\(request.queueID)", "relay": "\(destination)", "reply": "\(reply)"])
                    // A host that cannot be used is a reason to defer, never to bounce.
                    last = reply.isPermanent ? Reply(451, "4.4.0", "\(destination): \(reply)") : reply
                }
            }
        }
        return all(last)
    }

    /// The hosts for `domain`, in the order to try (names, or address literals to connect
    /// to as they are).
    private func route(_ domain: String) async -> Result<[String], ReplyError> {
        if let literal = RoutePlan.literalAddress(domain) { return .success([literal]) }
        let hop = nextHop(for: domain)
        if let hop, hop.skipMX { return .success([hop.host]) }
        let target = hop?.host ?? domain
        let resolver = resolver
        let answer = (try? await executor.run { resolver.mx(target) }) ?? .failure(.temporary)
        switch answer {
        case .success(let records):
            return RoutePlan.order(records, domain: domain, ownNames: ownNames, random: { Int.random(in: 0..<$0) })
        case .failure(.noData):
            // No MX: the domain itself is the mail exchanger (RFC 5321 §5.1, implicit MX).
            return .success([target])
        case .failure(let failure):
            return .failure(ReplyError(RoutePlan.refusal(for: failure, domain: target)))
        }
    }

    /// The configured next hop of `domain`, host and port together: its transport table
    /// entry, else `relayhost`; nil for an address literal, which is its own next hop.
    private func nextHop(for domain: String) -> NextHop? {
        RoutePlan.literalAddress(domain) == nil ? transports.nextHop(for: domain) ?? relayhost : nil
    }

    private func lookupAddresses(_ name: String) async -> Result<[String], ReplyError> {
        if IPNetwork.bytes(of: name) != nil { return .success([name]) }
        let resolver = resolver
        switch (try? await executor.run { resolver.addresses(name) }) ?? .failure(.temporary) {
        case .success(let addresses): return .success(addresses)
        case .failure(.temporary): return .failure(ReplyError(Reply(451, "4.4.3", "temporary DNS failure looking up \(name)")))
        case .failure: return .failure(ReplyError(Reply(451, "4.4.4", "mail exchanger \(name) has no address")))
        }
    }

    /// What relaying needs to know of a message's content: its Received fields (for the hop
    /// limit) and whether it has 8-bit octets (for 8BITMIME).
    typealias ContentScan = (received: Int, eightBit: Bool)

    /// Reads the whole content once: checks its checksum, counts Received fields, and
    /// looks for 8-bit octets. nil when the checksum does not match.
    func scanContent(_ message: StoredMessage) async -> ContentScan? {
        var digest = message.prefixDigest
        var offset: UInt64 = 0
        var eightBit = false
        var head: [UInt8] = []
        while offset < message.contentLength {
            let start = offset
            guard let piece = try? await executor.run({ [store] in try store.readContent(of: message, from: start, length: 65_536) }),
                  piece.readableBytes > 0 else { return nil }
            offset += UInt64(piece.readableBytes)
            piece.withUnsafeReadableBytes { digest.update($0) }
            if !eightBit { eightBit = piece.readableBytesView.contains { $0 >= 0x80 } }
            if head.count < 65_536 { head += piece.readableBytesView.prefix(65_536 - head.count) }
        }
        guard digest.value == message.checksum else { return nil }
        return (RoutePlan.receivedCount(inHeader: head), eightBit)
    }

    private func log(_ request: DeliveryRequest, destination: Destination, replies: [Reply]) {
        for (recipient, reply) in zip(request.recipients, replies) {
            logger.info("relay attempt", metadata: [
                "queue.id": "\(request.queueID)", "rcpt.to": "\(recipient)", "relay": "\(destination)",
                "dsn.status": "\(reply.enhanced)", "reply": "\(reply)",
            ])
        }
    }

    /// This host's interface addresses (getifaddrs(3)).
    static func localAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return ["127.0.0.1", "::1"] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        var cursor = list
        while let entry = cursor {
            if let address = entry.pointee.ifa_addr, address.pointee.sa_family == AF_INET || address.pointee.sa_family == AF_INET6 {
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                let length = socklen_t(address.pointee.sa_family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
                if getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    addresses.append(String(nulTerminated: host).split(separator: "%").first.map(String.init) ?? "")
                }
            }
            cursor = entry.pointee.ifa_next
        }
        return addresses
    }
}
