// tern-deliverd's side of tern-local (protocols/tern-local.md): one process per mailbox
// access, spawned with posix_spawn(3) (safe in a multi-threaded process, unlike fork and
// setuid here) with the message on fd 0 and a socket on fd 3 that carries MailWire frames.
// The child gets default signal dispositions, an empty signal mask, no environment and no
// other descriptor of this daemon.
import Glibc
import MailCore
import MailWire
import NIOCore
import NIOPosix
import PosixFile

/// Runs tern-local.
struct MailboxHelper: Sendable {
    /// The tern-local executable.
    let executable: String
    /// The host name in Maildir file names.
    let hostname: String
    /// How long one run may take before the helper is killed (a hung file system, a
    /// reader that stopped reading); the request then fails with 451 4.3.0.
    let timeLimit: Duration
    private let executor = BlockingExecutor()

    init(executable: String, hostname: String, timeLimit: Duration = .seconds(600)) {
        self.executable = executable
        self.hostname = hostname
        self.timeLimit = timeLimit
    }

    /// `tern-local` in the directory of this program (they are installed together).
    static func besideThisProgram() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { readlink("/proc/self/exe", $0, raw.count - 1) }
        }
        let program = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        return String(program[..<(program.lastIndex(of: "/") ?? program.startIndex)]) + "/tern-local"
    }

    /// Spawns tern-local for `location`, runs `body` with the MailWire peer on its fd 3 and
    /// waits for it to exit; past `timeLimit` the helper is killed.
    /// - Parameter content: a descriptor to read the message from (fd 0); nil: /dev/null.
    /// - Throws: `FileError` when it cannot be spawned, and what `body` throws (the helper's
    ///   early exit shows there as `MailWireClosed`).
    func run<T: Sendable>(_ location: MailboxLocation, content: CInt?, _ body: (MailWirePeer) async throws -> T) async throws -> T {
        let executable = executable
        let arguments = location.arguments(hostname: hostname)
        let (pid, socket) = try await executor.run { try Self.spawn(executable, arguments: arguments, content: content) }
        let timeLimit = timeLimit
        let watchdog = Task {
            try await Task.sleep(for: timeLimit)
            kill(pid, SIGKILL)  // not reaped yet, so the pid is still the helper's
        }
        let result: Result<T, any Error>
        do {
            let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .withConnectedSocket(socket) { MailWireChannel.configure($0) }
            result = .success(try await connection.executeThenClose { inbound, outbound in
                try await body(MailWirePeer(inbound: inbound, outbound: outbound))
            })
        } catch {
            result = .failure(error)
        }
        watchdog.cancel()
        _ = await watchdog.result  // it has killed or given up before the pid is released
        _ = try? await executor.run { Self.reap(pid) }
        return try result.get()
    }

    private static func spawn(_ executable: String, arguments: [String], content: CInt?) throws(FileError) -> (pid_t, CInt) {
        var pair: [CInt] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw FileError("socketpair", executable)
        }
        defer { _ = close(pair[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let content {
            posix_spawn_file_actions_adddup2(&actions, content, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
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

    /// Waits for the helper to end; it does once its socket is closed.
    private static func reap(_ pid: pid_t) {
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
