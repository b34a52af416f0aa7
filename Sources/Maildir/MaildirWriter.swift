// Writing messages into one Maildir (maildir(5)): each copy is created in `tmp/` under a
// name of its own attempt with O_EXCL|O_NOFOLLOW and written (trace fields first, LF line
// ends); placing it fsyncs and closes it, then links it into `new/` as the message's name
// (link never replaces, so an earlier copy of the same queued message wins) and removes the
// tmp name. It is delivered once the caller has fsynced `new/` (`Maildir.commitNew`): one
// fsync covers every copy linked before it. A batch of copies is written first and placed
// together: when there are several, the writeback of all of them is started before the
// first fsync, so that their writes overlap, and the fsync of `new/` is shared (group
// commit). Two attempts at one message (a retry while a lost attempt still writes) never
// share a file. Every failure is temporary (the queue retries): mailbox full is 452 4.2.2,
// anything else 451 4.3.0.
import MailCore
import NIOCore
import PosixFile

public enum MaildirWriter {
    /// A copy written into `tmp/` of `maildir`, not yet fsynced nor in `new/`. Its file
    /// stays open until `place`; a copy never placed is closed when released and its `tmp/`
    /// file left to the 36-hour sweep.
    public struct Copy {
        let file: WritableFile
        let maildir: Maildir
        /// Its name in `tmp/`.
        let temporary: String
        /// Its name in `new/`.
        let name: String
    }

    /// What `write` did: a copy to place, or the reply already (an earlier copy found, or a
    /// failure).
    public enum Written {
        case copy(Copy)
        case answered(Reply)
    }

    /// A delivery after `place`: its reply, and its name when this placement linked it
    /// into `new/` (not when an earlier copy was found there, nor on failure).
    public struct Placed {
        public let reply: Reply
        public let linked: String?
    }

    /// Delivers `content` into `maildir` as `name`: `write`, then `place`.
    /// - Returns: as `place`.
    public static func deliver(_ content: inout some MessageSource, into maildir: Maildir, name: String,
                               traceFields: String, lookForEarlierCopy: Bool) -> Reply {
        place([write(&content, into: maildir, name: name, traceFields: traceFields, lookForEarlierCopy: lookForEarlierCopy)])[0].reply
    }

    /// Writes `content` (the queued message, CRLF line ends) into `tmp/`, not fsynced yet
    /// (`place` does). Content that cannot be read fails the delivery before anything
    /// reaches `new/`, and its `tmp/` file is removed.
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
            return .copy(Copy(file: copy, maildir: maildir, temporary: temporary, name: name))
        } catch {
            file?.abandon()
            return .answered(temporaryFailure(error))
        }
    }

    /// Places the copies of `batch`, each in turn: fsyncs and closes it, links it into
    /// `new/` as its name (an earlier copy of the same name wins) and removes the `tmp/`
    /// name; a copy that fails is removed from `tmp/` and answered with the temporary
    /// failure. When there are several, the writeback of all of them is started first
    /// (sync_file_range(2)), so that their writes overlap instead of waiting one by one.
    /// Answers already given by `write` pass through.
    /// - Returns: one per element of `batch`, in order. A `250 2.0.0` holds only once
    ///   `Maildir.commitNew` succeeded (nothing may be acknowledged before).
    public static func place(_ batch: [Written]) -> [Placed] {
        let copies = batch.compactMap { written in if case .copy(let copy) = written { copy } else { nil } }
        if copies.count > 1 {
            for copy in copies { copy.file.startWriteback() }
        }
        return batch.map { written in
            switch written {
            case .answered(let reply): Placed(reply: reply, linked: nil)
            case .copy(let copy): place(copy)
            }
        }
    }

    private static func place(_ copy: Copy) -> Placed {
        do {
            try copy.file.sync()
            try copy.file.close()
            let linked = try copy.maildir.tmp.link(copy.temporary, into: copy.maildir.new, as: copy.name)
            // Once linked, the copy is delivered; a `tmp/` name left behind is the sweep's.
            try? copy.maildir.tmp.remove(copy.temporary)
            return linked
                ? Placed(reply: Reply(250, "2.0.0", "delivered to maildir"), linked: copy.name)
                : Placed(reply: Reply(250, "2.0.0", "already delivered"), linked: nil)
        } catch {
            copy.file.abandon()
            return Placed(reply: temporaryFailure(error), linked: nil)
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
