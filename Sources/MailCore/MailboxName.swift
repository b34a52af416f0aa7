// Which local parts name a mailbox directory. A local part is opaque data; only those made
// of a safe set of characters map to a directory, so none can escape the mail root
// (`/`, `..`, NUL, a leading dot).

public enum MailboxName {
    /// True when `localPart` may name a mailbox: 1–64 characters from `a-z A-Z 0-9 . _ + -`,
    /// not starting with `.` or `-`.
    public static func isValid(localPart: String) -> Bool {
        let utf8 = localPart.utf8
        guard (1...64).contains(utf8.count), let first = utf8.first,
              first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "+"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }

    /// The mailbox directory name for a valid local part: lower case (Postfix folds too).
    /// `postmaster` in any case is `postmaster`.
    public static func directory(forLocalPart localPart: String) -> String? {
        isValid(localPart: localPart) ? localPart.lowercased() : nil
    }
}
