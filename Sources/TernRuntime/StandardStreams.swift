// Raw writes to stdout and stderr without touching the C globals `stdout`/`stderr`,
// which Swift 6 treats as not concurrency-safe.
import Glibc

/// Writes every byte to fd 2.
public func writeStandardError(_ bytes: UnsafeMutableRawBufferPointer) -> Bool { writeAll(2, UnsafeRawBufferPointer(bytes)) }

/// Writes every byte to fd 1.
public func writeStandardOutput(_ bytes: UnsafeRawBufferPointer) -> Bool { writeAll(1, bytes) }

/// Reads all of fd 0.
public func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

private func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
    }
    return true
}
