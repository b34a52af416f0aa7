// `mailctl queue` output: the human form users of `mailq` / `postqueue -p` know, and one
// JSON object per line like `postqueue -j`.

public enum QueueListingFormat {
    /// The mailq form: a column header, one block per message (ID marked `*` when due now
    /// and `!` when on hold, as Postfix does; size, arrival, sender,
    /// then each open recipient, with its last reply in parentheses when it has one),
    /// and a `-- N Kbytes in M Requests.` footer; `Mail queue is empty` when empty.
    public static func text(_ entries: [QueueSummary]) -> String {
        guard !entries.isEmpty else { return "Mail queue is empty\n" }
        var out = "-Queue ID-      --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
        var total: UInt64 = 0
        for entry in entries {
            total += entry.size
            let id = entry.queueID.rawValue + (entry.held ? "!" : entry.nextAttempt > 0 ? " " : "*")
            out += pad(id, 16) + padLeft(String(entry.size), 8) + " " + InternetDate.mailqTime(unixSeconds: entry.arrival)
                + "  " + (entry.reversePath.isEmpty ? "MAILER-DAEMON" : entry.reversePath) + "\n"
            for recipient in entry.recipients where recipient.state != .delivered {
                if !recipient.lastReply.isEmpty {
                    out += String(repeating: " ", count: 46) + "(" + recipient.lastReply + ")\n"
                }
                out += String(repeating: " ", count: 46) + recipient.address + "\n"
            }
            out += "\n"
        }
        let count = entries.count
        out += "-- \((total + 1023) / 1024) Kbytes in \(count) Request\(count == 1 ? "" : "s").\n"
        return out
    }

    /// One JSON object per message and line, with the members of `postqueue -j`.
    public static func json(_ entries: [QueueSummary]) -> String {
        entries.map { entry in
            JSONText.object([
                ("queue_name", JSONText.string(queueName(entry))),
                ("queue_id", JSONText.string(entry.queueID.rawValue)),
                ("arrival_time", String(entry.arrival)),
                ("message_size", String(entry.size)),
                ("sender", JSONText.string(entry.reversePath)),
                ("recipients", "[" + entry.recipients.map { recipient in
                    JSONText.object([
                        ("address", JSONText.string(recipient.address)),
                        ("state", JSONText.string(stateName(recipient.state))),
                        ("delay_reason", JSONText.string(recipient.lastReply)),
                    ])
                }.joined(separator: ",") + "]"),
            ]) + "\n"
        }.joined()
    }

    /// Postfix's queue names: `hold`, `deferred` (waiting for a retry) or `active`.
    static func queueName(_ entry: QueueSummary) -> String {
        entry.held ? "hold" : entry.nextAttempt > 0 ? "deferred" : "active"
    }

    static func stateName(_ state: RecipientState) -> String {
        switch state {
        case .pending: "pending"
        case .delivered: "delivered"
        case .deferred: "deferred"
        case .bounced: "bounced"
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
