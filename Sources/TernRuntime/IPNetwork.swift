// Client networks in CIDR notation (`127.0.0.0/8`, `::1/128`) for relay_networks, parsed
// and matched with the C library's inet_pton(3).
import Glibc

/// One IPv4 or IPv6 network.
public struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefixLength: Int

    /// Parses `address/length` (a bare address is a host network); nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.bytes(of: String(first)) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let length, (0...bytes.count * 8).contains(length) else { return nil }
        address = bytes
        prefixLength = length
    }

    /// True when the textual address lies in this network (same family only).
    public func contains(_ text: String) -> Bool {
        guard let bytes = Self.bytes(of: text), bytes.count == address.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address, bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if mine & mask != theirs & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 octets of an IPv4 or IPv6 address.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
