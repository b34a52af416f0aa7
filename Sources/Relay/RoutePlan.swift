// The hosts to try for a domain, in order (RFC 5321 §5.1): the next hop the administrator
// chose, else the MX records sorted by preference with equal preferences shuffled, else
// the domain's own addresses (implicit MX). A null MX (RFC 7505) means the domain takes
// no mail; our own names as MX would loop (RFC 5321 §5.1: 5.4.6).
import MailCore

public enum RoutePlan {
    /// Why a domain cannot be routed: the reply every recipient gets.
    public static func refusal(for failure: DNSFailure, domain: String) -> Reply {
        switch failure {
        case .noSuchDomain: Reply(550, "5.1.2", "domain \(domain) does not exist (NXDOMAIN)")
        case .temporary: Reply(451, "4.4.3", "temporary DNS failure looking up \(domain)")
        case .noData, .permanent: Reply(550, "5.4.4", "cannot route mail to \(domain)")
        }
    }

    /// Orders MX records: by preference, equal preferences in random order.
    /// - Returns: the hosts, or a refusal for a null MX or a loop to ourselves.
    public static func order(_ records: [MXRecord], domain: String, ownNames: Set<String>,
                             random: (Int) -> Int) -> Result<[String], ReplyError> {
        if records.contains(where: { $0.exchange.isEmpty }) {
            return .failure(ReplyError(Reply(556, "5.1.10", "domain \(domain) accepts no mail (null MX, RFC 7505)")))
        }
        var grouped: [Int: [String]] = [:]
        for record in records { grouped[record.preference, default: []].append(record.exchange.lowercased()) }
        var ordered: [String] = []
        for preference in grouped.keys.sorted() {
            var names = grouped[preference]!
            // Fisher–Yates with the injected random source.
            for index in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(index, random(index + 1)) }
            ordered += names
        }
        if let own = ordered.first(where: { ownNames.contains($0) }) {
            return .failure(ReplyError(Reply(554, "5.4.6", "mail for \(domain) loops back to myself (MX \(own))")))
        }
        return .success(ordered)
    }

    /// An address literal `[192.0.2.1]` or `[IPv6:2001:db8::1]` as a connectable address.
    public static func literalAddress(_ domain: String) -> String? {
        guard domain.hasPrefix("["), domain.hasSuffix("]") else { return nil }
        let inner = domain.dropFirst().dropLast()
        return inner.lowercased().hasPrefix("ipv6:") ? String(inner.dropFirst(5)) : String(inner)
    }

    /// Counts `Received:` fields in a header section (RFC 5321 §6.3: too many means a loop).
    public static func receivedCount(inHeader bytes: some Collection<UInt8>) -> Int {
        HeaderSection.values(of: "Received", in: bytes).count
    }
}
