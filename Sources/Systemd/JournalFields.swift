// Turns one swift-log event into journal fields (systemd.journal-fields(7)).
// Field names must match [A-Z0-9_]+ and not start with "_" or a digit, or journald drops
// them silently, so metadata keys are mapped: "queue.id" → "QUEUE_ID". MESSAGE is escaped
// so text a peer supplied (an address, a remote reply) cannot fake lines or terminal
// control in `journalctl` output; fields keep their exact bytes for machines.
import Logging

/// Pure mapping from a log event to `KEY=value` journal fields.
public enum JournalFields {
    /// The metadata key whose value names the event kind; with a catalog it adds `MESSAGE_ID`.
    public static let eventKey = "event"

    /// The fields of one entry: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
    /// `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, `MESSAGE_ID` when the event kind is in the
    /// catalog, then one field per metadata key.
    /// - Parameters:
    ///   - event: the swift-log event.
    ///   - metadata: handler and logger metadata already merged with the event's.
    ///   - identifier: the `SYSLOG_IDENTIFIER`, normally the executable name.
    ///   - catalog: event kind (the `event` metadata value) → catalog `MESSAGE_ID`.
    public static func fields(for event: LogEvent, metadata: Logger.Metadata, identifier: String,
                              catalog: [String: String] = [:]) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("MESSAGE", escaped(event.message.description)),
            ("PRIORITY", String(priority(event.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file),
            ("CODE_LINE", String(event.line)),
            ("CODE_FUNC", event.function),
        ]
        if let kind = metadata[eventKey].map({ "\($0)" }), let id = catalog[kind] { fields.append(("MESSAGE_ID", id)) }
        if let error = event.error { fields.append(("ERROR", String(describing: error))) }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard let name = fieldName(key), name != "MESSAGE_ID", name != "MESSAGE" else { continue }
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

    /// `text` on one line with nothing a terminal acts on: backslash, C0 and C1 controls,
    /// DEL and the bidirectional overrides become `\\`, `\n`, `\r`, `\t` or `\u{XX}`.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{202A}"..."\u{202E}", "\u{2066}"..."\u{2069}":
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
