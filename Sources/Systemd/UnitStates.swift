// The state of systemd units as the service manager reports it over D-Bus (sd-bus(3),
// org.freedesktop.systemd1(5)): ActiveState and, for services, the last STATUS= text.
// Reading these properties needs no privilege.
import CSystemd
import Glibc

/// A unit's state.
public struct UnitState: Sendable, Equatable {
    /// `active`, `inactive`, `activating`, `deactivating`, `failed` or `reloading`.
    public var activeState: String
    /// The service's `STATUS=` text; empty for other units or when none was sent.
    public var statusText: String
}

public enum UnitStates {
    private static let manager = "org.freedesktop.systemd1"

    /// The states of `units` (full names, e.g. `tern-mtad.service`) from the system bus,
    /// or for root without a bus daemon from systemd's private socket.
    /// - Throws: `SystemdError` when neither can be reached or a property read fails.
    public static func query(_ units: [String]) throws(SystemdError) -> [String: UnitState] {
        let bus = try connect()
        defer { sd_bus_flush_close_unref(bus) }
        var states: [String: UnitState] = [:]
        for unit in units {
            var encoded: UnsafeMutablePointer<CChar>?
            let result = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &encoded)
            guard result >= 0, let encoded else { throw SystemdError(call: "sd_bus_path_encode", errno: -result) }
            defer { free(encoded) }
            let path = String(cString: encoded)
            states[unit] = UnitState(
                activeState: try property(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState"),
                statusText: unit.hasSuffix(".service") ? try property(bus, path, "org.freedesktop.systemd1.Service", "StatusText") : "")
        }
        return states
    }

    private static func connect() throws(SystemdError) -> OpaquePointer {
        var handle: OpaquePointer?
        let opened = sd_bus_open_system(&handle)
        if opened >= 0, let handle { return handle }
        guard getuid() == 0 else { throw SystemdError(call: "sd_bus_open_system", errno: -opened) }
        // systemctl does the same: root talks to PID 1 directly.
        let created = sd_bus_new(&handle)
        guard created >= 0, let bus = handle else { throw SystemdError(call: "sd_bus_new", errno: -created) }
        let started = sd_bus_set_address(bus, "unix:path=/run/systemd/private") >= 0 ? sd_bus_start(bus) : -EINVAL
        guard started >= 0 else {
            sd_bus_flush_close_unref(bus)
            throw SystemdError(call: "sd_bus_start(/run/systemd/private)", errno: -started)
        }
        return bus
    }

    private static func property(_ bus: OpaquePointer, _ path: String, _ interface: String, _ member: String) throws(SystemdError) -> String {
        var error = sd_bus_error()
        var value: UnsafeMutablePointer<CChar>?
        defer {
            sd_bus_error_free(&error)
            free(value)
        }
        let result = sd_bus_get_property_string(bus, manager, path, interface, member, &error, &value)
        guard result >= 0, let value else { throw SystemdError(call: "sd_bus_get_property_string(\(member))", errno: -result) }
        return String(cString: value)
    }
}
