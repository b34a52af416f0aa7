// `mailctl queue show ID` output: one message's envelope, recipients with their state and
// last reply, attempts, next attempt and stored header section; as text or one JSON object.

public enum QueueDetailFormat {
    /// Labelled lines, the recipients indented one per line, then the header section.
    public static func text(_ detail: QueueDetail) -> String {
        let entry = detail.summary
        var lines = [
            "Queue ID:     \(entry.queueID)",
            "Queue:        \(QueueListingFormat.queueName(entry))",
            "Size:         \(entry.size)",
            "Arrival:      \(InternetDate.format(unixSeconds: entry.arrival))",
            "Sender:       <\(entry.reversePath)>",
            "Attempts:     \(entry.attempts)",
            "Next attempt: " + (entry.nextAttempt > 0 ? InternetDate.format(unixSeconds: entry.nextAttempt) : "now"),
        ]
        if !detail.envelopeID.isEmpty { lines.append("Envelope ID:  \(detail.envelopeID)") }
        if let ret = detail.returnContent { lines.append("Return:       \(ret == .full ? "FULL" : "HDRS")") }
        lines.append("Recipients:")
        for recipient in entry.recipients {
            let state = QueueListingFormat.stateName(recipient.state)
            lines.append("  <\(recipient.address)> \(state)" + (recipient.lastReply.isEmpty ? "" : ": \(recipient.lastReply)"))
        }
        lines += ["", "Headers:"]
        var headers = detail.headers.replacingCRLF()
        if headers.hasSuffix("\n") { headers.removeLast() }
        return lines.joined(separator: "\n") + "\n" + headers + "\n"
    }

    /// One JSON object and a newline; members named like `postqueue -j`'s where they exist.
    public static func json(_ detail: QueueDetail) -> String {
        let entry = detail.summary
        return JSONText.object([
            ("queue_name", JSONText.string(QueueListingFormat.queueName(entry))),
            ("queue_id", JSONText.string(entry.queueID.rawValue)),
            ("arrival_time", String(entry.arrival)),
            ("message_size", String(entry.size)),
            ("sender", JSONText.string(entry.reversePath)),
            ("attempts", String(entry.attempts)),
            ("next_attempt", String(entry.nextAttempt)),
            ("envelope_id", JSONText.string(detail.envelopeID)),
            ("ret", detail.returnContent.map { JSONText.string($0 == .full ? "FULL" : "HDRS") } ?? "null"),
            ("recipients", "[" + entry.recipients.map { recipient in
                JSONText.object([
                    ("address", JSONText.string(recipient.address)),
                    ("state", JSONText.string(QueueListingFormat.stateName(recipient.state))),
                    ("delay_reason", JSONText.string(recipient.lastReply)),
                ])
            }.joined(separator: ",") + "]"),
            ("headers", JSONText.string(detail.headers)),
        ]) + "\n"
    }
}

extension String {
    /// CRLF line ends as LF, for a terminal.
    func replacingCRLF() -> String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "\r" }))
    }
}
