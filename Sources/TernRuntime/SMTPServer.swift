// tern-submitd's connection handling: each accepted SMTP connection gets a session whose
// settings come from tern.conf and whose peer description comes from the socket.
import Logging
import MailCore
import NIOCore
import SMTP

/// An accepted SMTP connection.
public typealias SMTPConnection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

public enum SMTPServer {
    /// The listener's child-channel initializer: raw bytes both ways.
    public static func configure(_ channel: Channel) -> EventLoopFuture<SMTPConnection> {
        channel.eventLoop.makeCompletedFuture { try SMTPConnection(wrappingChannelSynchronously: channel) }
    }

    /// Serves one connection until QUIT or EOF; errors end only this connection.
    public static func serve(_ connection: SMTPConnection, context: DaemonContext, logger: Logger) async {
        var logger = logger
        let client = await describePeer(connection.channel)
        logger[metadataKey: "smtp.client"] = "\(client)"
        let configuration = context.configuration
        let settings = SMTPServerSession.Settings(
            hostname: configuration.hostname, clientDescription: client,
            messageSizeLimit: configuration.messageSizeLimit, recipientLimit: configuration.recipientLimit,
            localDomains: Set(configuration.localDomains))
        do {
            try await connection.executeThenClose { inbound, outbound in
                let driver = SMTPConnectionDriver(session: SMTPServerSession(settings: settings), inbound: inbound,
                                                  outbound: outbound, queueSocket: context.paths.queueSocket, logger: logger)
                try await driver.run()
            }
        } catch {
            logger.debug("SMTP connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// `[192.0.2.1]` for TCP peers, `local socket, uid N` for Unix-socket peers.
    static func describePeer(_ channel: Channel) async -> String {
        if let address = channel.remoteAddress, let ip = address.ipAddress { return "[\(ip)]" }
        if let credentials = await PeerCredentials.of(channel) { return "local socket, uid \(credentials.uid)" }
        return "local socket"
    }
}
