// Trace fields an MTA adds (RFC 5321 §4.4): Received at acceptance, Return-Path and
// Delivered-To at final delivery. Peer-supplied text goes through PeerText.printable, so
// it cannot break a header.

public enum TraceHeaders {
    /// The Received field tern-submitd prepends, Postfix-style, ending in CRLF:
    /// `Received: from HELO (CLIENT)\r\n\tby HOST (Tern) with PROTO id ID\r\n\tfor <RCPT>; DATE\r\n`.
    /// - Parameters:
    ///   - helo: the EHLO/HELO argument.
    ///   - client: a description of the peer, e.g. `[127.0.0.1]` or `local socket, uid 1000`.
    ///   - protocol: `ESMTP` or `SMTP` (RFC 3848).
    ///   - recipient: named in `for` only when the message has exactly one.
    public static func received(helo: String, client: String, host: String, protocol: String,
                                queueID: QueueID, recipient: String?, unixSeconds: Int64) -> String {
        var field = "Received: from \(PeerText.printable(helo)) (\(PeerText.printable(client)))\r\n"
        field += "\tby \(host) (Tern) with \(`protocol`) id \(queueID)"
        if let recipient { field += "\r\n\tfor <\(PeerText.printable(recipient))>" }
        field += "; \(InternetDate.format(unixSeconds: unixSeconds))\r\n"
        return field
    }

    /// The fields tern-deliverd writes first in a Maildir file (LF line ends, as Maildir
    /// readers expect): `Return-Path: <sender>` (`<>` for the null reverse-path) and
    /// `Delivered-To: rcpt`.
    public static func delivery(reversePath: String, recipient: String) -> String {
        "Return-Path: <\(PeerText.printable(reversePath))>\nDelivered-To: \(PeerText.printable(recipient))\n"
    }

    /// The field heading a copy an alias forwards elsewhere (CRLF, as queued content):
    /// `Delivered-To: alias\r\n`, so the copy is known as a loop if it comes back.
    public static func forwarded(alias: String) -> String {
        "Delivered-To: \(PeerText.printable(alias))\r\n"
    }
}
