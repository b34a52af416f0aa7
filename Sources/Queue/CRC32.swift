// CRC-32 (ISO 3309 / ITU-T V.42, the polynomial of zlib, gzip and PNG), computed
// incrementally so a queue file's checksum is known the moment its last chunk is written.
// zlib's `crc32` computes it (several octets per step), so Python's `zlib.crc32` checks a
// file independently.
import CZlib

/// A running CRC-32.
public struct CRC32: Sendable, Equatable {
    private var state: UInt = 0

    public init() {}

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count {
            let count = min(bytes.count - offset, Int(UInt32.max))
            state = crc32(state, base.assumingMemoryBound(to: UInt8.self) + offset, UInt32(count))
            offset += count
        }
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The checksum of everything added so far.
    public var value: UInt32 { UInt32(truncatingIfNeeded: state) }
}
