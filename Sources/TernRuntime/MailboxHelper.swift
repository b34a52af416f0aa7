// tern-deliverd's side of tern-local (protocols/tern-local.md): the process, spawned with
// posix_spawn(3) (safe in a multi-threaded process, unlike fork and setuid here) with
// /dev/null on fd 0 and a socket on fd 3 that carries MailWire frames (one request at a
// time, or a batch of deliveries back to back) until tern-deliverd closes it. The child
// gets default signal dispositions, an empty signal mask, no environment and no other
// descriptor of this daemon. Its I/O is blocking and runs on the pool's conversation
// threads (`MailboxHelperPool`).
import Glibc
import MailWire
import NIOPosix
import PosixFile

/// One running tern-local, serving one mailbox. Used by one task at a time: the pool hands
/// it out and takes it back.
final class MailboxHelper: @unchecked Sendable {
    /// What a helper serves: a mailbox, and whether it may create it (delivery) or not (reads).
    struct Key: Hashable, Sendable {
        var location: MailboxLocation
        var create: Bool
    }

    let key: Key
    let pid: pid_t
    private let channel: BlockingFrameChannel
    private let threads: NIOThreadPool
    private var lastRequestID: UInt32 = 0
    /// When it was last handed back (for the pool's idle limit).
    var idleSince = ContinuousClock.now

    /// Spawns `executable` for `key` (blocking: call it on a conversation thread).
    /// - Parameter timeLimit: seconds one read or write on the socket may wait before the
    ///   request fails (a hung file system, a reader that stopped reading); the helper is
    ///   then killed.
    /// - Throws: `FileError` when it cannot be spawned.
    init(executable: String, key: Key, hostname: String, timeLimit: Int, threads: NIOThreadPool) throws(FileError) {
        var arguments = key.location.arguments(hostname: hostname)
        if key.create { arguments.append("--create") }
        let (pid, socket) = try Self.spawn(executable, arguments: arguments)
        self.key = key
        self.pid = pid
        self.threads = threads
        channel = BlockingFrameChannel(descriptor: socket)
        channel.limitWaits(toSeconds: timeLimit)
    }

    /// A request id not used before on this helper's socket.
    func nextRequestID() -> UInt32 {
        lastRequestID &+= 1
        return lastRequestID
    }

    /// Runs `body` with the helper's socket on a conversation thread.
    /// - Throws: what `body` throws (`ChannelFailure`, `MailWireError`, `MailWireClosed`).
    func run<T: Sendable>(_ body: @escaping @Sendable (BlockingFrameChannel) throws -> T) async throws -> T {
        try await threads.runIfActive { try body(self.channel) }
    }

    /// Ends the helper: closes the socket (it exits at EOF between requests), kills it when
    /// `kill` (it may be in the middle of one), and reaps it. Blocking.
    func stop(kill force: Bool) {
        if force { kill(pid, SIGKILL) }
        _ = close(channel.descriptor)
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// `tern-local` in the directory of this program (they are installed together).
    static func besideThisProgram() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { readlink("/proc/self/exe", $0, raw.count - 1) }
        }
        let program = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        return FileSystem.directory(of: program) + "/tern-local"
    }

    private static func spawn(_ executable: String, arguments: [String]) throws(FileError) -> (pid_t, CInt) {
        var pair: [CInt] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw FileError("socketpair", executable)
        }
        defer { _ = close(pair[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 3)
        // No other descriptor of this daemon (another user's connection) reaches the helper.
        guard addCloseFrom(&actions, 4) == 0 else {
            _ = close(pair[0])
            throw FileError("posix_spawn_file_actions_addclosefrom_np", executable, errno: ENOSYS)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Ignored signals (SIGPIPE, and SIGTERM for the lifecycle's handler) survive exec;
        // the helper starts with every disposition at its default.
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard status == 0 else {
            _ = close(pair[0])
            throw FileError("posix_spawn", executable, errno: status)
        }
        return (pid, pair[0])
    }

    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np (not imported into Swift):
    /// the child closes every descriptor from `first` up.
    @_silgen_name("posix_spawn_file_actions_addclosefrom_np")
    private static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ first: CInt) -> CInt
}
