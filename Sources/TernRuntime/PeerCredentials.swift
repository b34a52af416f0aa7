// Who is on the other end of a Unix socket (SO_PEERCRED, unix(7)): the kernel's word,
// not the client's, so mailbox access is decided on it.
import Glibc
import NIOCore

/// The layout of Linux's `struct ucred` (not imported by Swift without _GNU_SOURCE).
public struct PeerCredentials: Sendable {
    public var pid: Int32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0

    /// The credentials of a connected AF_UNIX channel's peer, `nil` for other channels.
    public static func of(_ channel: Channel) async -> PeerCredentials? {
        guard let provider = channel as? SocketOptionProvider else { return nil }
        return try? await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
    }

    /// True for root and for the user this daemon runs as (the Tern daemons share one),
    /// the only peers allowed to enqueue and deliver.
    public static func isTernDaemon(uid: UInt32?) -> Bool {
        guard let uid else { return false }
        return uid == 0 || uid == getuid()
    }
}
