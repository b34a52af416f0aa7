// Writing messages into one Maildir (maildir(5)): each copy is created in `tmp/` under a
// name of its own attempt with O_EXCL|O_NOFOLLOW and written (trace fields first, LF line
// ends); placing it fsyncs and closes it, then links it into `new/` as the message's name
// (link never replaces, so an earlier copy of the same queued message wins) and removes the
// tmp name. It is delivered once the caller has fsynced `new/` (`Maildir.commitNew`): one
// fsync covers every copy linked before it. A batch of copies is written first and placed
// together: their writeback is started for all before the first fsync, so the file system
// commits them together, and the fsync of `new/` is shared (group commit). Two attempts at
// one message (a retry while a lost attempt still writes) never share a file. Every
// failure is temporary (the queue retries): mailbox full is 452 4.2.2, anything else
// 451 4.3.0.
import MailCore
import NIOCore
import PosixFile

public enum MaildirWriter {
    /// A copy written into `tmp/`, not yet fsynced nor in `new/`. It holds the file open
    /// until `place` (or its deinit, which leaves the file to the 36-hour sweep).
    public struct Copy {
        let file: WritableFile
        /// Its name in `tmp/`.
        let temporary: String
        /// Its name in `new/`.
        public let name: String
    }

    /// What `write` did: a copy to place, or the reply already (an earlier copy found, or a
    /// failure).
    public enum Written {
        case copy(Copy)
        case answered(Reply)
    }

    /// Delivers `content` into `maildir` as `name`: `write`, then `place`.
    /// - Returns: as `place`.
    public static func deliver(_ content: inout some MessageSource, into maildir: Maildir, name: String,
                               traceFields: String, lookForEarlierCopy: Bool) -> Reply {
        switch write(&content, into: maildir, name: name, traceFields: traceFields, lookForEarlierCopy: lookForEarlierCopy) {
        case .copy(let copy): place([copy], in: maildir)[0]
        case .answered(let reply): reply
        }
    }

    /// Writes `content` (the queued message, CRLF line ends) into `tmp/`, not fsynced yet
    /// (`place` does). Content that cannot be read fails the delivery before anything
    /// reaches `new/`.
    /// - Parameters:
    ///   - traceFields: written first, as given (`TraceHeaders.delivery`).
    ///   - lookForEarlierCopy: an earlier attempt may have placed the message (in `new/`,
    ///     or already read, in `cur/` with flags): then nothing is written and the answer
    ///     is `250 2.0.0`.
    /// - Returns: the copy, or the answer: `250 2.0.0` for an earlier copy, or the
    ///   temporary failure.
    public static func write(_ content: inout some MessageSource, into maildir: Maildir, name: String,
                             traceFields: String, lookForEarlierCopy: Bool) -> Written {
        if lookForEarlierCopy && isDelivered(name, in: maildir) { return .answered(Reply(250, "2.0.0", "already delivered")) }
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
            return .copy(Copy(file: copy, temporary: temporary, name: name))
        } catch {
            file?.abandon()
            return .answered(temporaryFailure(error))
        }
    }

    /// Places `copies`, each in turn: fsyncs and closes it, links it into `new/` as its
    /// name (an earlier copy of the same name wins) and removes the `tmp/` name. The
    /// writeback of several is started for all of them first, so that their fsyncs share
    /// the file system's journal commit rather than making one each.
    /// - Returns: for each copy, in order, `250 2.0.0`, which holds only once
    ///   `Maildir.commitNew` succeeded for its name (nothing may be acknowledged before), or
    ///   the temporary failure.
    public static func place(_ copies: [Copy], in maildir: Maildir) -> [Reply] {
        if copies.count > 1 {
            for copy in copies { copy.file.startWriteback() }
        }
        return copies.map { place($0, in: maildir) }
    }

    private static func place(_ copy: Copy, in maildir: Maildir) -> Reply {
        do {
            try copy.file.sync()
            try copy.file.close()
            let placed = try maildir.tmp.link(copy.temporary, into: maildir.new, as: copy.name)
            try maildir.tmp.remove(copy.temporary)
            return placed ? Reply(250, "2.0.0", "delivered to maildir") : Reply(250, "2.0.0", "already delivered")
        } catch {
            copy.file.abandon()
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
