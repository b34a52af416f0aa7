// Reads one environment variable without Foundation.
import Glibc

enum ProcessEnvironment {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
