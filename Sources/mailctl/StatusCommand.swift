// `mailctl status`: each daemon's state (running, idle, listening, stopped, failed) with
// its STATUS= line as systemd reports them, then the queue's depth and oldest message
// from tern-mtad. For a private instance (TERN_ROOT) a daemon counts as listening when
// its socket exists, since systemd does not manage it.
import ArgumentParser
import Glibc
import MailCore
import MailWire
import PosixFile
import Systemd
import TernRuntime

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the state of each daemon and of the queue.",
        discussion: "Exits 69 when tern-mtad cannot be asked about the queue.")

    @Flag(name: .long, help: "One JSON object per daemon and line, then one for the queue.")
    var json = false

    /// Each daemon with its service's socket units.
    static let daemons: [(name: String, sockets: [String])] = [
        ("tern-submitd", ["tern-submitd.socket", "tern-smtp.socket"]),
        ("tern-mtad", ["tern-mtad.socket"]),
        ("tern-deliverd", ["tern-deliverd.socket"]),
    ]

    func run() async throws {
        let context = try DaemonContext.load()
        let daemons = context.paths.root.isEmpty ? try Self.fromSystemd() : Self.fromSockets(context.paths)
        var queue: QueueStatus?
        var failure: (any Error)?
        do {
            let answer = try await MailWireClient.withConnection(path: context.paths.queueSocket, name: "mailctl") { peer in
                try await peer.send(.queueList, requestID: peer.nextRequestID())
                return try await peer.expect().message
            }
            guard case .queueListing(let summaries) = answer else { throw MailWireError.unexpected(answer.type) }
            queue = QueueStatus(summaries)
        } catch {
            failure = error
        }
        print(json ? DaemonStatusFormat.json(daemons, queue: queue) : DaemonStatusFormat.text(daemons, queue: queue, now: Int64(time(nil))),
              terminator: "")
        if let failure { throw Exit.unreachable("tern-mtad", failure) }
    }

    static func fromSystemd() throws -> [DaemonStatus] {
        let units = daemons.flatMap { [$0.name + ".service"] + $0.sockets }
        let states: [String: UnitState]
        do { states = try UnitStates.query(units) } catch { throw Exit.unreachable("systemd", error) }
        return daemons.map { daemon in
            let service = states[daemon.name + ".service"]
            let status = service?.statusText ?? ""
            let state = DaemonStatus.state(service: service?.activeState ?? "inactive",
                                           sockets: daemon.sockets.map { states[$0]?.activeState ?? "inactive" }, status: status)
            return DaemonStatus(name: daemon.name, state: state, status: status)
        }
    }

    static func fromSockets(_ paths: TernPaths) -> [DaemonStatus] {
        zip(daemons.map(\.name), [paths.submitSocket, paths.queueSocket, paths.deliverSocket]).map { name, socket in
            DaemonStatus(name: name, state: FileSystem.status(socket) == nil ? .stopped : .listening, status: "")
        }
    }
}
