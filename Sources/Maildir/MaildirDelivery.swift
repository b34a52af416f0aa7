// One message delivered into the Maildirs of its local recipients (maildir(5)): each copy
// is written to `tmp/` with O_EXCL|O_NOFOLLOW, fsynced, closed, linked into `new/` (link
// never replaces, so an earlier copy wins), the tmp name removed and `new/` fsynced.
// Only then is the recipient reported delivered. Write errors are temporary failures.
import MailCore
import NIOCore
import PosixFile

/// Where and how messages are delivered.
public struct MaildirSettings: Sendable {
    /// The directory holding one Maildir per user, e.g. `/var/mail`.
    public var mailRoot: String
    /// The host name in Maildir file names.
    public var hostname: String
    public init(mailRoot: String, hostname: String) {
        self.mailRoot = mailRoot
        self.hostname = hostname
    }
}

/// The copies of one message being written. Owned by one connection; its calls run on the
/// blocking-I/O pool one at a time.
public final class MaildirDelivery: @unchecked Sendable {
    private struct Copy {
        let recipient: String
        let mailbox: String
        var file: WritableFile?
        /// Set once this recipient's outcome is known.
        var reply: Reply?
    }

    private var copies: [Copy] = []
    private let name: String
    private var converter = LineEndingConverter()

    /// Opens a copy for each recipient, or decides its reply at once (bad mailbox name,
    /// already delivered by an earlier attempt, mailbox not writable).
    public init(_ request: DeliveryRequest, settings: MaildirSettings) {
        name = MaildirName.name(arrival: request.arrival, queueID: request.queueID, host: settings.hostname)
        var opened: Set<String> = []
        for recipient in request.recipients {
            copies.append(Self.open(recipient, request: request, name: name, settings: settings, opened: &opened))
        }
    }

    private static func open(_ recipient: String, request: DeliveryRequest, name: String,
                             settings: MaildirSettings, opened: inout Set<String>) -> Copy {
        guard let user = MailboxName.directory(forLocalPart: MailAddress.localPart(of: recipient)) else {
            return Copy(recipient: recipient, mailbox: "", reply: .unknownUser(recipient))
        }
        let mailbox = settings.mailRoot + "/" + user
        // Two recipients with one mailbox get one copy (like Postfix's duplicate filter).
        guard opened.insert(mailbox).inserted else {
            return Copy(recipient: recipient, mailbox: mailbox, reply: Reply(250, "2.0.0", "delivered (same mailbox as an earlier recipient)"))
        }
        do {
            for part in ["tmp", "new", "cur"] { try FileSystem.makeDirectories(mailbox + "/" + part, mode: 0o700) }
            if request.mayBeRedelivery && Self.alreadyDelivered(name, in: mailbox) {
                return Copy(recipient: recipient, mailbox: mailbox, reply: Reply(250, "2.0.0", "already delivered"))
            }
            let temporary = mailbox + "/tmp/" + name
            try FileSystem.remove(temporary)
            let file = try WritableFile(creating: temporary, mode: 0o600)
            try file.write(Array(TraceHeaders.delivery(reversePath: request.reversePath, recipient: recipient).utf8))
            return Copy(recipient: recipient, mailbox: mailbox, file: file)
        } catch {
            return Copy(recipient: recipient, mailbox: mailbox, reply: Self.temporaryFailure(error))
        }
    }

    /// An earlier attempt's copy is in `new/` or, already read, in `cur/` with flags.
    private static func alreadyDelivered(_ name: String, in mailbox: String) -> Bool {
        if FileSystem.status(mailbox + "/new/" + name) != nil { return true }
        let seen = (try? FileSystem.names(in: mailbox + "/cur")) ?? []
        return seen.contains { MaildirName.base(of: $0) == name }
    }

    /// Appends content (CRLF in, LF written) to every open copy.
    public func append(_ content: ByteBuffer) {
        write(converter.convert(content))
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        for index in copies.indices {
            guard let file = copies[index].file else { continue }
            do {
                try file.write(bytes)
            } catch {
                fail(index, error)
            }
        }
    }

    /// Makes every open copy durable and visible in `new/`, one `new/` fsync per copy.
    /// - Returns: one reply per recipient, in request order.
    public func finish() -> [Reply] {
        let failures = place().compactMap { mailbox -> (String, any Error)? in
            do { try FileSystem.syncDirectory(mailbox + "/new") } catch { return (mailbox, error) }
            return nil
        }
        return replies(directoryFailures: Dictionary(failures) { first, _ in first })
    }

    /// Writes what is left, fsyncs and closes every open copy and links it into `new/`.
    /// The links are durable only once `new/` is fsynced: the caller fsyncs each returned
    /// mailbox's `new/` (one fsync may cover several deliveries), then asks for `replies`.
    /// - Returns: the mailboxes whose `new/` needs an fsync before any reply is given.
    public func place() -> [String] {
        write(converter.finish())
        var unsynced: [String] = []
        for index in copies.indices {
            guard let file = copies[index].file else { continue }
            do {
                try file.sync()
                try file.close()
                copies[index].file = nil
                let placed = try FileSystem.linkExclusive(file.path, to: copies[index].mailbox + "/new/" + name)
                try FileSystem.remove(file.path)
                copies[index].reply = placed ? Reply(250, "2.0.0", "delivered to maildir") : Reply(250, "2.0.0", "already delivered")
                unsynced.append(copies[index].mailbox)
            } catch {
                fail(index, error)
            }
        }
        return unsynced
    }

    /// The reply per recipient, in request order, once `new/` of every mailbox `place`
    /// returned was fsynced; a mailbox in `directoryFailures` gets a temporary failure.
    public func replies(directoryFailures: [String: any Error] = [:]) -> [Reply] {
        for index in copies.indices {
            if let error = directoryFailures[copies[index].mailbox], copies[index].reply?.code == 250 {
                copies[index].reply = Self.temporaryFailure(error)
            }
        }
        return copies.map { $0.reply ?? .notDurable }
    }

    /// Drops every copy not yet placed (the content did not arrive whole).
    public func abandon() {
        for index in copies.indices {
            copies[index].file?.abandon()
            copies[index].file = nil
        }
    }

    private func fail(_ index: Int, _ error: any Error) {
        copies[index].file?.abandon()
        copies[index].file = nil
        copies[index].reply = Self.temporaryFailure(error)
    }

    /// Mailbox full or a write error is temporary (the queue retries), never a bounce.
    private static func temporaryFailure(_ error: any Error) -> Reply {
        if let error = error as? FileError, error.isOutOfSpace {
            return Reply(452, "4.2.2", "mailbox full: \(error)")
        }
        return Reply(451, "4.3.0", "maildir write error: \(error)")
    }
}
