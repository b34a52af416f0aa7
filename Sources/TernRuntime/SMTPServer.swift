// tern-submitd's connection handling: the policy of each connection (relay, submission,
// TLS, AUTH, limits) is decided from tern.conf and the kind of socket, then one driver
// runs the session.
import Logging
import MailCore
import NIOCore
import NIOSSL
import PosixFile
import ServiceLifecycle
import SMTP

/// What every SMTP connection of this daemon shares.
public struct SMTPServer: Sendable {
    let context: DaemonContext
    let relayNetworks: [IPNetwork]
    let tls: NIOSSLContext?
    let credentials: SMTPCredentials?
    let limiter: ConnectionLimiter
    let logger: Logger
    /// Connections to tern-mtad, for ENQUEUE.
    public let queue: MailWirePool
    /// Connections to tern-deliverd, for RCPT_CHECK.
    public let deliverd: MailWirePool
    /// RCPT lookups, remembered across the sessions.
    let verifier: RecipientVerifier

    /// Reads the TLS certificate and key and the credentials file named in tern.conf.
    /// - Throws: when a configured file cannot be read or parsed, or a network is malformed.
    public init(context: DaemonContext, logger: Logger) throws {
        let configuration = context.configuration
        self.context = context
        self.logger = logger
        relayNetworks = try configuration.relayNetworks.map { text in
            guard let network = IPNetwork(text) else { throw Configuration.ParseError(line: 0, reason: "relay_networks: bad network \(text)") }
            return network
        }
        if !configuration.tlsCertificate.isEmpty && !configuration.tlsKey.isEmpty {
            let certificates = try NIOSSLCertificate.fromPEMFile(configuration.tlsCertificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: configuration.tlsKey, format: .pem)
            tls = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: certificates, privateKey: .privateKey(key)))
        } else {
            tls = nil
        }
        if configuration.smtpCredentials.isEmpty {
            credentials = nil
        } else {
            credentials = try SMTPCredentials(parsing: readTextFile(configuration.smtpCredentials))
        }
        queue = MailWirePool(path: context.paths.queueSocket, name: "tern-submitd")
        deliverd = MailWirePool(path: context.paths.deliverSocket, name: "tern-submitd")
        verifier = RecipientVerifier(deliverd: deliverd)
        limiter = ConnectionLimiter(total: configuration.smtpConnectionLimit, perClient: configuration.smtpClientConnectionLimit)
    }

    /// The listener's child-channel initializer.
    public func configure(_ channel: Channel) -> EventLoopFuture<SMTPAccepted> {
        SMTPChannel.configure(channel, hostname: context.configuration.hostname, timeout: .seconds(Int64(context.configuration.smtpTimeout)))
    }

    /// Serves one connection until QUIT, EOF, a timeout or a limit; errors end only this connection.
    public func serve(_ accepted: SMTPAccepted) async {
        let channel = accepted.channel
        defer { channel.close(promise: nil) }
        let clientIP = channel.remoteAddress?.ipAddress
        var logger = logger
        let peerUID = clientIP == nil ? await PeerCredentials.of(channel)?.uid : nil
        let client = Self.describePeer(ip: clientIP, uid: peerUID)
        logger[metadataKey: "smtp.client"] = "\(client)"
        if let peerUID { logger[metadataKey: "peer.uid"] = "\(peerUID)" }
        let configuration = context.configuration
        guard limiter.acquire(client: clientIP) else {
            logger.warning("refused a connection over the connection limit")
            try? await ChannelWrites.writeAndFlush([ByteBuffer(string: "421 4.7.0 \(configuration.hostname) Error: too many connections\r\n")], to: channel, untilSent: true)
            return
        }
        defer { limiter.release(client: clientIP) }
        let sessionTimeout = channel.eventLoop.scheduleTask(in: .seconds(Int64(configuration.smtpSessionTimeout))) {
            channel.writeAndFlush(ByteBuffer(string: "421 4.4.2 \(configuration.hostname) Error: session too long\r\n"), promise: nil)
            channel.close(promise: nil)
        }
        defer { sessionTimeout.cancel() }
        var settings = SMTPServerSettings(hostname: configuration.hostname, clientDescription: client,
                                          localDomains: Set(configuration.localDomains))
        settings.messageSizeLimit = configuration.messageSizeLimit
        settings.recipientLimit = configuration.recipientLimit
        settings.headerSectionLimit = configuration.headerSizeLimit
        settings.junkCommandLimit = configuration.smtpJunkCommandLimit
        settings.errorLimit = configuration.smtpErrorLimit
        settings.relayPermitted = clientIP.map { ip in relayNetworks.contains { $0.contains(ip) } } ?? true
        settings.isLocalSubmission = clientIP == nil
        settings.tlsAvailable = tls != nil && clientIP != nil
        settings.authAvailable = credentials != nil
        settings.checksLocalRecipients = configuration.localRecipients == .accounts
        var startTLS: (@Sendable (ByteBuffer) async throws -> Void)?
        if let tls {
            startTLS = { pending in try await SMTPChannel.startTLS(channel, tagger: accepted.tagger, context: tls, pending: pending) }
        }
        let session = SMTPServerSession(settings: settings)
        let queue = queue
        let credentials = credentials
        let drain = SMTPDrain(hostname: configuration.hostname)
        let verifier = verifier
        do {
            try await withGracefulShutdownHandler {
                let driver = SMTPConnectionDriver(
                    session: session, inbox: accepted.inbox, channel: channel, queue: queue, logger: logger,
                    startTLS: startTLS, credentials: credentials, drain: drain, verifier: verifier)
                try await driver.run()
            } onGracefulShutdown: {
                guard drain.shutdown() else { return }
                channel.writeAndFlush(ByteBuffer(string: drain.reply.wireText), promise: nil)
                channel.close(promise: nil)
            }
        } catch {
            logger.debug("SMTP connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// `[192.0.2.1]` for TCP peers, `local socket, uid N` for Unix-socket peers.
    static func describePeer(ip: String?, uid: UInt32?) -> String {
        if let ip { return "[\(ip)]" }
        return uid.map { "local socket, uid \($0)" } ?? "local socket"
    }
}
