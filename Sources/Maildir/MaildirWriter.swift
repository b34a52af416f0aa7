// Writing one message into one Maildir (maildir(5)): the copy is created in `tmp/` under a
// name of its own attempt with O_EXCL|O_NOFOLLOW, written (trace fields first, LF line
// ends), fsynced and closed, then linked into `new/` as the message's name (link never
// replaces, so an earlier copy of the same queued message wins) and the tmp name removed.
// It is delivered once the caller has fsynced `new/` (`Maildir.commitNew`): one fsync covers
// every copy linked before it, so a batch of deliveries shares it (group commit). Two
// attempts at one message (a retry while a lost attempt still writes) never share a file.
// Every failure is temporary (the queue retries): mailbox full is 452 4.2.2, anything else
// 451 4.3.0.
import MailCore
import NIOCore
import PosixFile

public enum MaildirWriter {
    /// Delivers `content` (the queued message, CRLF line ends) into `maildir` as `name`.
    /// Content that cannot be read fails the delivery before anything reaches `new/`.
    /// - Parameters:
    ///   - traceFields: written first, as given (`TraceHeaders.delivery`).
    ///   - lookForEarlierCopy: an earlier attempt may have placed the message (in `new/`,
    ///     or already read, in `cur/` with flags): then nothing is written.
    /// - Returns: `250 2.0.0`, which holds only once `Maildir.commitNew` succeeded for
    ///   `name` (nothing may be acknowledged before), or the temporary failure.
    public static func deliver(_ content: inout some MessageSource, into maildir: Maildir, name: String,
                               traceFields: String, lookForEarlierCopy: Bool) -> Reply {
        if lookForEarlierCopy && isDelivered(name, in: maildir) { return Reply(250, "2.0.0", "already delivered") }
        var file: WritableFile?
        // Left behind only by a crash; swept after 36 hours (`Maildir.sweepTemporaryFiles`).
        let temporary = name + "." + String(UInt64.random(in: .min ... .max), radix: 16)
        do {
            let copy = try maildir.tmp.createFile(temporary, mode: 0o600)
            file = copy
            try copy.write(Array(traceFields.utf8))
            var converter = LineEndingConverter()
            while let piece = try content.next() { try copy.write(converter.convert(piece)) }
            try copy.write(converter.finish())
            try copy.sync()
            try copy.close()
            file = nil
            let placed = try maildir.tmp.link(temporary, into: maildir.new, as: name)
            try maildir.tmp.remove(temporary)
            return placed ? Reply(250, "2.0.0", "delivered to maildir") : Reply(250, "2.0.0", "already delivered")
        } catch {
            file?.abandon()
            try? maildir.tmp.remove(temporary)
            return temporaryFailure(error)
        }
    }

    /// True when `name` is in `new/`, or in `cur/` with an info suffix.
    static func isDelivered(_ name: String, in maildir: Maildir) -> Bool {
        if maildir.new.status(of: name) != nil { return true }
        return ((try? maildir.cur.names()) ?? []).contains { MaildirName.base(of: $0) == name }
    }

    /// The reply for a failed delivery: mailbox full (ENOSPC, EDQUOT) is `452 4.2.2`,
    /// anything else `451 4.3.0`; temporary either way (the queue retries), never a bounce.
    public static func temporaryFailure(_ error: any Error) -> Reply {
        if let error = error as? FileError, error.isOutOfSpace {
            return Reply(452, "4.2.2", "mailbox full: \(error)")
        }
        return Reply(451, "4.3.0", "maildir write error: \(error)")
    }
}
