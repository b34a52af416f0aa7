// Writing one message into one Maildir (maildir(5)): the copy is created in `tmp/` with
// O_EXCL|O_NOFOLLOW, written (trace fields first, LF line ends), fsynced and closed, then
// linked into `new/` (link never replaces, so an earlier copy of the same queued message
// wins), the tmp name removed and `new/` fsynced. Only then is it delivered. Every failure
// is temporary (the queue retries): mailbox full is 452 4.2.2, anything else 451 4.3.0.
import Glibc
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
    /// - Returns: `250 2.0.0`, or the temporary failure.
    public static func deliver(_ content: inout some MessageSource, into maildir: Maildir, name: String,
                               traceFields: String, lookForEarlierCopy: Bool) -> Reply {
        if lookForEarlierCopy && isDelivered(name, in: maildir) { return Reply(250, "2.0.0", "already delivered") }
        var file: WritableFile?
        do {
            let copy = try createInTmp(name, of: maildir)
            file = copy
            try copy.write(Array(traceFields.utf8))
            var converter = LineEndingConverter()
            while let piece = try content.next() { try copy.write(converter.convert(piece)) }
            try copy.write(converter.finish())
            try copy.sync()
            try copy.close()
            file = nil
            let placed = try maildir.tmp.link(name, into: maildir.new, as: name)
            try maildir.tmp.remove(name)
            try maildir.new.sync()
            return placed ? Reply(250, "2.0.0", "delivered to maildir") : Reply(250, "2.0.0", "already delivered")
        } catch {
            file?.abandon()
            try? maildir.tmp.remove(name)
            return temporaryFailure(error)
        }
    }

    /// Creates `tmp/name`; a file of that name is left by an attempt that did not finish
    /// (the name is the queued message's), so it is removed and the file made again.
    private static func createInTmp(_ name: String, of maildir: Maildir) throws(FileError) -> WritableFile {
        do {
            return try maildir.tmp.createFile(name, mode: 0o600)
        } catch where error.errno == EEXIST {
            try maildir.tmp.remove(name)
            return try maildir.tmp.createFile(name, mode: 0o600)
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
