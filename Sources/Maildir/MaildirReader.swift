// Reading a Maildir for mailctl: list messages in delivery order, read one, mark it seen
// (moved to `cur/` with the `S` flag, as MUAs do, maildir(5)).
import MailCore
import PosixFile

/// One user's Maildir, for reading.
public struct MaildirReader: Sendable {
    /// The Maildir directory (holding `tmp/`, `new/`, `cur/`).
    public let mailbox: String

    public init(mailbox: String) { self.mailbox = mailbox }

    /// A message's location in the Maildir.
    public struct Entry: Sendable, Equatable {
        /// `new` or `cur`.
        public var folder: String
        public var name: String
        var path: String
    }

    /// Messages in delivery order (the name starts with the arrival second and the queue ID,
    /// both sortable); entries starting with `.` are skipped (maildir(5)). An absent
    /// Maildir is an empty one.
    public func entries() -> [Entry] {
        var entries: [Entry] = []
        for folder in ["new", "cur"] {
            for name in (try? FileSystem.names(in: mailbox + "/" + folder)) ?? [] where !name.hasPrefix(".") {
                entries.append(Entry(folder: folder, name: name, path: mailbox + "/" + folder + "/" + name))
            }
        }
        return entries.sorted { ($0.name.split(separator: ".").first.flatMap { Int64($0) } ?? 0, $0.name)
            < ($1.name.split(separator: ".").first.flatMap { Int64($0) } ?? 0, $1.name) }
    }

    /// The listing `mailctl mailbox` shows.
    public func summaries() -> [MailboxSummary] {
        entries().enumerated().compactMap { index, entry in
            guard let status = FileSystem.status(entry.path), status.isRegularFile,
                  let file = try? ReadableFile(opening: entry.path),
                  let head = try? file.readAll(limit: 65_536) else { return nil }
            let fields = HeaderSection.fields(head)
            return MailboxSummary(
                number: UInt32(index + 1), date: status.modified,
                from: EncodedWords.decode(HeaderSection.value(of: "From", in: fields) ?? ""),
                subject: EncodedWords.decode(HeaderSection.value(of: "Subject", in: fields) ?? ""),
                size: status.size, seen: entry.folder == "cur" && MaildirName.flags(of: entry.name).contains("S"))
        }
    }

    /// Opens message `number` (1-based, as listed) for reading.
    /// - Returns: nil when there is no such message.
    public func open(number: Int) throws(FileError) -> (Entry, ReadableFile)? {
        let all = entries()
        guard number >= 1 && number <= all.count else { return nil }
        let entry = all[number - 1]
        return (entry, try ReadableFile(opening: entry.path))
    }

    /// Marks a message seen: `new/NAME` → `cur/NAME:2,S`, or adds `S` to the flags in `cur/`
    /// (flags kept in ASCII order).
    public func markSeen(_ entry: Entry) throws(FileError) {
        let base = MaildirName.base(of: entry.name)
        var flags = Set(MaildirName.flags(of: entry.name))
        guard entry.folder == "new" || !flags.contains("S") else { return }
        flags.insert("S")
        let target = mailbox + "/cur/" + base + ":2," + String(flags.sorted())
        try FileSystem.rename(entry.path, to: target)
    }
}
