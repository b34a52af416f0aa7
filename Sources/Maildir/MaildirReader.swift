// Reading a Maildir for mailctl: list messages in delivery order, read one, mark it seen
// (moved to `cur/` with the `S` flag, as MUAs do, maildir(5)). Names are opened inside the
// Maildir's directories without following symbolic links.
import MailCore
import PosixFile

/// One user's Maildir, for reading; a user without a Maildir yet has an empty one.
public struct MaildirReader {
    let maildir: Maildir?

    /// - Parameter maildir: nil when the user has no Maildir yet.
    public init(_ maildir: Maildir?) { self.maildir = maildir }

    /// A message's location in the Maildir.
    public struct Entry: Sendable, Equatable {
        /// `new` or `cur`.
        public var folder: String
        /// The file name, with its `:2,FLAGS` info in `cur/`.
        public var name: String
    }

    /// Messages in delivery order (the name starts with the arrival second and the queue ID,
    /// both sortable); entries starting with `.` are skipped (maildir(5)).
    public func entries() -> [Entry] {
        guard let maildir else { return [] }
        var entries: [Entry] = []
        for (folder, directory) in [("new", maildir.new), ("cur", maildir.cur)] {
            for name in (try? directory.names()) ?? [] where !name.hasPrefix(".") {
                entries.append(Entry(folder: folder, name: name))
            }
        }
        func key(_ entry: Entry) -> (Int64, String) { (entry.name.split(separator: ".").first.flatMap { Int64($0) } ?? 0, entry.name) }
        return entries.sorted { key($0) < key($1) }
    }

    /// The listing `mailctl mailbox` shows: From and Subject decoded (RFC 2047).
    public func summaries() -> [MailboxSummary] {
        entries().enumerated().compactMap { index, entry in
            guard let directory = folder(of: entry), let status = directory.status(of: entry.name), status.isRegularFile,
                  let file = try? directory.openFile(entry.name),
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
    /// - Returns: nil when there is no such message (or it is not a regular file).
    public func open(number: Int) throws(FileError) -> (Entry, ReadableFile)? {
        let all = entries()
        guard number >= 1 && number <= all.count else { return nil }
        let entry = all[number - 1]
        guard let directory = folder(of: entry), directory.status(of: entry.name)?.isRegularFile == true else { return nil }
        return (entry, try directory.openFile(entry.name))
    }

    /// Marks a message seen: `new/NAME` → `cur/NAME:2,S`, or adds `S` to the flags in `cur/`
    /// (flags kept in ASCII order).
    public func markSeen(_ entry: Entry) throws(FileError) {
        guard let maildir, let directory = folder(of: entry) else { return }
        let base = MaildirName.base(of: entry.name)
        var flags = Set(MaildirName.flags(of: entry.name))
        guard entry.folder == "new" || !flags.contains("S") else { return }
        flags.insert("S")
        try directory.rename(entry.name, into: maildir.cur, as: base + ":2," + String(flags.sorted()))
    }

    private func folder(of entry: Entry) -> Directory? {
        entry.folder == "new" ? maildir?.new : maildir?.cur
    }
}
