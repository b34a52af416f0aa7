// What every Tern process reads at start: its paths (TERN_ROOT or the system layout),
// the host name and tern.conf (defaults when the file is absent).
import Glibc
import Logging
import MailCore
import PosixFile

/// Paths and settings of one process.
public struct DaemonContext: Sendable {
    public let paths: TernPaths
    public let configuration: Configuration

    /// Reads `TERN_ROOT` and the configuration file.
    /// - Throws: `Configuration.ParseError` for a bad tern.conf, `FileError` when it
    ///   exists but cannot be read.
    public static func load() throws -> DaemonContext {
        let paths = TernPaths(root: getenv("TERN_ROOT").map { String(cString: $0) })
        var text = ""
        if FileSystem.status(paths.configurationFile) != nil {
            text = try readTextFile(paths.configurationFile)
        }
        return DaemonContext(paths: paths, configuration: try Configuration.parse(text, hostname: hostName()))
    }

    /// gethostname(2), or `localhost` when it fails.
    static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let length = name.firstIndex(of: 0) ?? name.count
        return String(decoding: name[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
