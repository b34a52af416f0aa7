// Sockets passed by systemd socket activation, picked by name (sd_listen_fds_with_names(3)).
// Names come from FileDescriptorName= (or systemd-socket-activate --fdname); order across
// several socket units is undefined, so callers never rely on position.
import CSystemd
import Glibc

/// The listening sockets systemd passed to this process, keyed by their `FileDescriptorName=`.
public struct ListenSockets: Sendable {
    /// File descriptors by name. Several descriptors may share one name (one socket unit
    /// with several `ListenStream=` lines).
    public let byName: [String: [CInt]]

    /// Takes the passed sockets from the environment and unsets `LISTEN_*`, so children
    /// do not inherit them. An empty result means the process was not socket-activated.
    /// - Throws: `SystemdError` when libsystemd reports a malformed `LISTEN_*` environment.
    public static func fromEnvironment() throws(SystemdError) -> ListenSockets {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count >= 0 else { throw SystemdError(call: "sd_listen_fds_with_names", errno: -count) }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        var byName: [String: [CInt]] = [:]
        for index in 0..<Int(count) {
            let fd = SD_LISTEN_FDS_START + CInt(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            byName[name, default: []].append(fd)
        }
        return ListenSockets(byName: byName)
    }

    /// The descriptors passed under `name`, empty when there are none.
    public func descriptors(named name: String) -> [CInt] { byName[name] ?? [] }

    /// True when systemd passed at least one socket.
    public var isSocketActivated: Bool { !byName.isEmpty }
}

/// A libsystemd call that failed, with the errno it returned.
public struct SystemdError: Error, CustomStringConvertible {
    /// The libsystemd function that failed.
    public let call: String
    /// The positive errno value.
    public let errno: CInt

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
