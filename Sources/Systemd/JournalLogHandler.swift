// A swift-log backend writing structured entries to the systemd journal with
// sd_journal_sendv(3). Variadic sd_journal_send is not callable from Swift.
import CSystemd
import Glibc
import Logging

/// Writes each log event as one journal entry, with metadata as upper-case fields.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let identifier: String
    private let catalog: [String: String]

    /// - Parameters:
    ///   - identifier: the `SYSLOG_IDENTIFIER` of every entry (`journalctl -t`).
    ///   - catalog: event kind (`event` metadata) → catalog `MESSAGE_ID` (`journalctl -x`).
    public init(identifier: String, catalog: [String: String] = [:]) {
        self.identifier = identifier
        self.catalog = catalog
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        Self.send(JournalFields.fields(for: event, metadata: merged, identifier: identifier, catalog: catalog))
    }

    /// Builds one contiguous buffer of `KEY=value` entries and points one iovec at each.
    static func send(_ fields: [(String, String)]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (key, value) in fields {
            let start = bytes.count
            bytes.append(contentsOf: key.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(contentsOf: value.utf8)
            ranges.append(start..<bytes.count)
        }
        bytes.withUnsafeMutableBytes { raw in
            let vectors = ranges.map { iovec(iov_base: raw.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            _ = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, CInt($0.count)) }
        }
    }

    /// True when stderr is the journal stream systemd connected (`$JOURNAL_STREAM`
    /// names its device and inode); mere presence of the variable is not enough.
    public static var stderrIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
