// Maildir file names (maildir(5)): `<seconds>.<unique>.<host>`. Tern's unique part is the
// queue ID, so the name is the same on every attempt to deliver one message into one
// mailbox: a retry after a crash finds the earlier copy instead of making a second one.
import MailCore

public enum MaildirName {
    /// `<arrival>.<queueID>.<host>`, with `/` and `:` in the host written as `\057` and `\072`.
    public static func name(arrival: Int64, queueID: QueueID, host: String) -> String {
        var safeHost = ""
        for character in host {
            switch character {
            case "/": safeHost += "\\057"
            case ":": safeHost += "\\072"
            default: safeHost.append(character)
            }
        }
        return "\(arrival).\(queueID).\(safeHost)"
    }

    /// The base name of a Maildir entry: the part before the `:2,` info, if any.
    public static func base(of entry: String) -> Substring {
        entry.split(separator: ":", maxSplits: 1).first ?? Substring(entry)
    }

    /// The flags of an entry in `cur/` (`"S"` for `name:2,S`), empty when it has none.
    public static func flags(of entry: String) -> String {
        let parts = entry.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[1].hasPrefix("2,") else { return "" }
        return String(parts[1].dropFirst(2))
    }
}
