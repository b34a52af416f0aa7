// Small configuration files (tern.conf, credentials, the transport table) read whole.
import PosixFile

/// The text of the file at `path`, at most 4 MiB.
/// - Throws: `FileError` when it cannot be opened or read.
public func readTextFile(_ path: String) throws -> String {
    let file = try ReadableFile(opening: path)
    return String(decoding: try file.readAll(limit: 1 << 22), as: UTF8.self)
}
