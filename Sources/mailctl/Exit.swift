// sysexits(3) codes mailctl uses, and the one place errors become a message and a status.
import ArgumentParser
import MailCore
import TernRuntime

enum Exit {
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let noUser = ExitCode(67)
    static let unavailable = ExitCode(69)
    static let software = ExitCode(70)
    static let temporaryFailure = ExitCode(75)
    static let noPermission = ExitCode(77)

    /// Prints `mailctl: message` on stderr and returns the status for a daemon's reply:
    /// 4xx → 75, 5.7.x → 77, 5.1.x → 67, other 5xx → 69.
    static func refused(_ message: String, _ reply: Reply) -> ExitCode {
        printError("\(message): \(reply)")
        if reply.isTemporary { return temporaryFailure }
        if reply.enhanced.hasPrefix("5.7.") { return noPermission }
        if reply.enhanced.hasPrefix("5.1.") { return noUser }
        return unavailable
    }

    /// A `--user` that cannot name a mailbox (`../../etc`, `a/b`) is refused here with 65,
    /// before any daemon is asked.
    static func checkMailboxName(_ user: String) throws {
        guard user.isEmpty || MailboxName.isValid(localPart: user) else {
            printError("invalid mailbox name: \(user)")
            throw dataError
        }
    }

    /// A daemon could not be reached: 69, the service is unavailable.
    static func unreachable(_ what: String, _ error: any Error) -> ExitCode {
        printError("cannot reach \(what): \(error)")
        return unavailable
    }

    static func printError(_ text: String) {
        var standardError = StandardError()
        print("mailctl: \(text)", to: &standardError)
    }
}

/// stderr as a TextOutputStream (the C global is not concurrency-safe to touch from Swift 6).
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { writeStandardError($0) }
    }
}
