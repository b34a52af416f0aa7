// Whether a daemon may make metadata calls (stat, statvfs) on a path's file system from an
// event loop. On a local file system they read what the kernel keeps in memory; on a
// network, cluster or FUSE file system they can wait for a server, so they go to the
// blocking pool, and the daemon says so once at start.
import Logging
import PosixFile

extension FileSystem {
    /// True when `path` is on a local file system (`isRemote` is false). When it is not,
    /// logs "`subject` is on a network, cluster or FUSE file system (or statfs failed):
    /// `work` run off the event loop".
    /// - Parameters:
    ///   - subject: what is at `path`, e.g. "the queue".
    ///   - work: the calls that go to the pool, e.g. "free-space checks".
    static func allowsCallsOnEventLoop(_ path: String, subject: String, work: String, logger: Logger) -> Bool {
        guard isRemote(path) else { return true }
        logger.info("\(subject) is on a network, cluster or FUSE file system (or statfs failed): \(work) run off the event loop",
                    metadata: ["path": "\(path)"])
        return false
    }
}
