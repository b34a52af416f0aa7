// Reads entries back from the local journal (sd-journal(3)): `mailctl log` follows one
// queue ID through every daemon with a match on QUEUE_ID=.
import CSystemd
import Glibc

/// One journal entry.
public struct JournalEntry: Sendable {
    /// Microseconds since the Unix epoch (`__REALTIME_TIMESTAMP`).
    public let realtime: UInt64
    /// Every field of the entry (values decoded as UTF-8, invalid bytes replaced).
    public let fields: [String: String]
}

public enum JournalReader {
    /// The entries of the local journal (system and the caller's own) that match every
    /// one of `matches`, oldest first.
    /// - Parameter matches: `FIELD=value` terms (sd_journal_add_match(3): terms on
    ///   different fields must all hold, terms on one field are alternatives).
    /// - Throws: `SystemdError` when the journal cannot be opened or read.
    public static func entries(matching matches: [String]) throws(SystemdError) -> [JournalEntry] {
        var handle: OpaquePointer?
        let opened = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard opened >= 0, let journal = handle else { throw SystemdError(call: "sd_journal_open", errno: -opened) }
        defer { sd_journal_close(journal) }
        for match in matches {
            let added = sd_journal_add_match(journal, match, 0)
            guard added >= 0 else { throw SystemdError(call: "sd_journal_add_match", errno: -added) }
        }
        var entries: [JournalEntry] = []
        while true {
            let next = sd_journal_next(journal)
            guard next >= 0 else { throw SystemdError(call: "sd_journal_next", errno: -next) }
            if next == 0 { return entries }
            var realtime: UInt64 = 0
            _ = sd_journal_get_realtime_usec(journal, &realtime)
            entries.append(JournalEntry(realtime: realtime, fields: fields(of: journal)))
        }
    }

    /// The current entry's `FIELD=value` pairs.
    private static func fields(of journal: OpaquePointer) -> [String: String] {
        var fields: [String: String] = [:]
        var data: UnsafeRawPointer?
        var length = 0
        sd_journal_restart_data(journal)
        while sd_journal_enumerate_data(journal, &data, &length) > 0, let data {
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: bytes[..<equals], as: UTF8.self)
            fields[name] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        }
        return fields
    }
}
