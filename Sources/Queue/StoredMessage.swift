// A committed message as the queue knows it: its header and where its validated content
// lies in the file.

/// A message in the queue, as found on disk.
public struct StoredMessage: Sendable {
    public var header: QueueFile.Header
    /// Where the content starts in the file, in octets.
    public var contentOffset: Int
    /// Content octets.
    public var contentLength: UInt64
    /// The CRC-32 the end record carries (of every octet before it).
    public var checksum: UInt32
    /// The running CRC-32 of the octets before the content: a reader that adds the content
    /// to it must arrive at `checksum`, so every delivery validates what it sends.
    public var prefixDigest: CRC32
}
