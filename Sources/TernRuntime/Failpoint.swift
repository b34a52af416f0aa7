// Failpoints for the crash tests (reliability scenarios A): in a debug build, a process
// whose TERN_FAILPOINT names a point dies with SIGKILL when it reaches it, so a test can
// crash it exactly there. Release builds compile them out.
import Glibc

public enum Failpoint {
    /// Dies here when TERN_FAILPOINT is `name` (debug builds only).
    /// - Parameter name: `process.point`, e.g. `deliverd.after_link`.
    public static func check(_ name: String) {
        #if DEBUG
        if let wanted = getenv("TERN_FAILPOINT"), String(cString: wanted) == name { kill(getpid(), SIGKILL) }
        #endif
    }
}
