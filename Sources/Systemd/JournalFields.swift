// Turns one swift-log event into journal fields (systemd.journal-fields(7)).
// Field names must match [A-Z0-9_]+ and not start with "_" or a digit, or journald drops
// them silently, so metadata keys are mapped: "queue.id" → "QUEUE_ID".
import Logging

/// Pure mapping from a log event to `KEY=value` journal fields.
public enum JournalFields {
    /// The fields of one entry: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
    /// `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, then one field per metadata key.
    /// - Parameters:
    ///   - event: the swift-log event.
    ///   - metadata: handler and logger metadata already merged with the event's.
    ///   - identifier: the `SYSLOG_IDENTIFIER`, normally the executable name.
    public static func fields(for event: LogEvent, metadata: Logger.Metadata, identifier: String) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("MESSAGE", event.message.description),
            ("PRIORITY", String(priority(event.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file),
            ("CODE_LINE", String(event.line)),
            ("CODE_FUNC", event.function),
        ]
        if let error = event.error { fields.append(("ERROR", String(describing: error))) }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard let name = fieldName(key) else { continue }
            fields.append((name, value.description))
        }
        return fields
    }

    /// Syslog priority (0–7) for a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Maps a metadata key to a journal field name: letters upper-cased, every other
    /// character that is not a digit becomes `_`; `nil` when nothing usable is left.
    /// Names the journal reserves for itself (leading `_`) are refused.
    public static func fieldName(_ key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars.prefix(64) {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        guard let first = name.unicodeScalars.first, first != "_", !("0"..."9").contains(first) else { return nil }
        return name
    }
}
