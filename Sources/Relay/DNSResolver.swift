// DNS through the C library's resolver (res_nquery and libresolv's ns_* parser, in CResolv),
// with the name server a setting so tests can use their own. Blocking: run it off the
// event loops.
import CResolv
import Glibc

/// Why a lookup found nothing.
public enum DNSFailure: Error, Equatable, Sendable {
    /// The name does not exist (NXDOMAIN): permanent.
    case noSuchDomain
    /// The name exists but has no record of the type asked.
    case noData
    /// Try again later (SERVFAIL, timeout).
    case temporary
    /// Any other failure: permanent.
    case permanent
}

/// One MX record (RFC 5321 §5.1).
public struct MXRecord: Sendable, Equatable {
    public var preference: Int
    /// The exchange's host name without a trailing dot; `""` for the null MX `.` (RFC 7505).
    public var exchange: String
    public init(preference: Int, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// A resolver bound to one name server (or the system's).
public struct DNSResolver: Sendable {
    /// IPv4 address of the name server, nil for /etc/resolv.conf.
    public let server: String?
    /// Its port; 53 when 0.
    public let port: Int

    /// - Parameter server: `"127.0.0.1:5353"`, `"127.0.0.1"`, or empty for the system's.
    public init(server: String) {
        let parts = server.split(separator: ":", maxSplits: 1)
        self.server = parts.first.map(String.init)
        port = parts.count == 2 ? Int(parts[1]) ?? 53 : 53
    }

    /// The MX records of `domain`, as the server gave them.
    public func mx(_ domain: String) -> Result<[MXRecord], DNSFailure> {
        var records = [tern_mx_record](repeating: tern_mx_record(), count: 64)
        let count = tern_lookup_mx(server, CInt(port), domain, &records, CInt(records.count))
        guard count >= 0 else { return .failure(Self.failure(count)) }
        return .success(records.prefix(Int(count)).map { record in
            var record = record
            let name = withUnsafeBytes(of: &record.exchange) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            return MXRecord(preference: Int(record.preference), exchange: name == "." ? "" : name)
        })
    }

    /// The IPv4 then IPv6 addresses of `host`, as text.
    public func addresses(_ host: String) -> Result<[String], DNSFailure> {
        var records = [tern_address_record](repeating: tern_address_record(), count: 32)
        let count = tern_lookup_addresses(server, CInt(port), host, &records, CInt(records.count))
        guard count >= 0 else { return .failure(Self.failure(count)) }
        return .success(records.prefix(Int(count)).compactMap { record in
            var record = record
            var text = [CChar](repeating: 0, count: 64)
            let ok = withUnsafeBytes(of: &record.address) { inet_ntop(record.family, $0.baseAddress, &text, 64) } != nil
            return ok ? String(cString: text) : nil
        })
    }

    private static func failure(_ code: CInt) -> DNSFailure {
        switch code {
        case CInt(TERN_DNS_NXDOMAIN): .noSuchDomain
        case CInt(TERN_DNS_NODATA): .noData
        case CInt(TERN_DNS_TEMPORARY): .temporary
        default: .permanent
        }
    }
}
