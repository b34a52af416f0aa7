// Text a peer chose (HELO names, addresses, remote replies) on its way into headers, logs
// and bounces: no control character may survive to break a header line or a log entry.

public enum PeerText {
    /// `text` with every C0 control and DEL replaced by `?`.
    public static func printable(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        return String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
