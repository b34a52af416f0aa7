// `mailctl mailbox` output: one line per message (number, new/seen, date, from, subject,
// size), or one JSON object per line.

public enum MailboxListingFormat {
    /// The human form, with a header line; `No messages` when empty.
    public static func text(_ entries: [MailboxSummary]) -> String {
        guard !entries.isEmpty else { return "No messages\n" }
        var out = QueueListingFormat.padLeft("N", 4) + "    " + QueueListingFormat.pad("Date", 21) + QueueListingFormat.pad("From", 32)
            + QueueListingFormat.pad("Subject", 42) + QueueListingFormat.padLeft("Size", 6) + "\n"
        for entry in entries {
            out += QueueListingFormat.padLeft(String(entry.number), 4) + " " + (entry.seen ? " " : "N") + "  "
                + InternetDate.mailqTime(unixSeconds: entry.date) + "  "
                + QueueListingFormat.pad(clip(entry.from, 30), 32) + QueueListingFormat.pad(clip(entry.subject, 40), 42)
                + QueueListingFormat.padLeft(String(entry.size), 6) + "\n"
        }
        return out
    }

    /// One JSON object per message and line.
    public static func json(_ entries: [MailboxSummary]) -> String {
        entries.map { entry in
            JSONText.object([
                ("number", String(entry.number)), ("date", String(entry.date)),
                ("from", JSONText.string(entry.from)), ("subject", JSONText.string(entry.subject)),
                ("size", String(entry.size)), ("seen", entry.seen ? "true" : "false"),
            ]) + "\n"
        }.joined()
    }

    private static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}
