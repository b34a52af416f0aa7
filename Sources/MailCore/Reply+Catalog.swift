// The replies Tern sends, named once so no reply string is typed at the point of use.
// Enhanced codes follow RFC 3463; the code/class pairing follows RFC 5321 §4.2.

extension Reply {
    public static let ok = Reply(250, "2.0.0", "Ok")
    public static let senderOk = Reply(250, "2.1.0", "Ok")
    public static let recipientOk = Reply(250, "2.1.5", "Ok")
    public static let resetOk = Reply(250, "2.0.0", "Ok")
    public static let startData = Reply(354, "", "End data with <CR><LF>.<CR><LF>")
    public static let cannotVerify = Reply(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery")
    public static let syntaxError = Reply(500, "5.5.2", "Error: command not recognized")
    public static let lineTooLong = Reply(500, "5.5.6", "Error: line too long")
    public static let badSequence = Reply(503, "5.5.1", "Error: bad sequence of commands")
    public static let needMail = Reply(503, "5.5.1", "Error: need MAIL command")
    public static let needRecipient = Reply(503, "5.5.1", "Error: need RCPT command")
    public static let nestedMail = Reply(503, "5.5.1", "Error: nested MAIL command")
    public static let needHelo = Reply(503, "5.5.1", "Error: send HELO/EHLO first")
    public static let tooManyRecipients = Reply(452, "4.5.3", "Error: too many recipients")
    public static let messageTooBig = Reply(552, "5.3.4", "Error: message file too big")
    public static let needSMTPUTF8 = Reply(553, "5.6.7", "Error: UTF-8 addresses need the SMTPUTF8 parameter")
    public static let notDurable = Reply(451, "4.3.0", "Error: queue file write error")
    /// The queue file system is (nearly) full (RFC 3463 §3.4: mail system full).
    public static let queueFull = Reply(452, "4.3.1", "Error: insufficient system storage")
    public static let queueUnavailable = Reply(451, "4.3.0", "Error: queue manager unavailable, try again later")
    public static let protocolViolation = Reply(554, "5.3.5", "Error: peer violated the MailWire protocol")

    /// `501 5.5.4` with the reason a command's argument was refused.
    public static func badArgument(_ why: String) -> Reply { Reply(501, "5.5.4", "Error: \(why)") }

    /// `555 5.5.4` for a MAIL or RCPT parameter that is not recognised (RFC 5321 §4.1.1.11).
    public static func unsupportedParameter(_ name: String) -> Reply {
        Reply(555, "5.5.4", "Error: unsupported parameter \(name)")
    }

    /// `550 5.7.1` for mail to a domain this host does not handle and cannot relay to yet.
    public static func relayDenied(_ domain: String) -> Reply {
        Reply(550, "5.7.1", "Error: relay access denied for domain \(domain)")
    }

    /// `550 5.1.1` for a local recipient that has no mailbox.
    public static func unknownUser(_ address: String) -> Reply {
        Reply(550, "5.1.1", "<\(address)>: Recipient address rejected: user unknown")
    }

    /// `451 4.3.0` when the recipient lookup (tern-deliverd) cannot answer now.
    public static func recipientLookupFailed(_ address: String) -> Reply {
        Reply(451, "4.3.0", "<\(address)>: Recipient address rejected: temporary lookup failure")
    }

    /// `554 5.4.6` for a message that already carries our Delivered-To for this recipient
    /// (a forwarding loop; RFC 3463 §3.5).
    public static func mailLoop(_ address: String) -> Reply {
        Reply(554, "5.4.6", "<\(address)>: mail forwarding loop: the message was already delivered to this address")
    }

    /// `250 2.0.0` naming the queue ID, sent only after the message is fsynced.
    public static func queued(_ id: QueueID) -> Reply { Reply(250, "2.0.0", "Ok: queued as \(id)") }
}
