// tern-queue-bench: messages per second the queue commits (create, write, fsync, rename,
// directory fsync) with and without group commit, for 1 KiB and 100 KiB messages, from
// several concurrent writers, as tern-mtad does for concurrent SMTP clients.
// Usage: tern-queue-bench DIRECTORY [MESSAGES] [WRITERS] — DIRECTORY on the file system to
// measure (not tmpfs, where fsync costs nothing).
import Glibc
import MailCore
import NIOCore
import Queue
import TernRuntime

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: tern-queue-bench DIRECTORY [MESSAGES] [WRITERS]")
    exit(64)
}
let messages = arguments.count > 2 ? Int(arguments[2]) ?? 400 : 400
let writers = arguments.count > 3 ? Int(arguments[3]) ?? 16 : 16

func seconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Commits `messages` messages of `size` octets from `writers` tasks; returns messages/s.
func measure(groupCommit: Bool, size: Int, directory: String) async throws -> Double {
    let executor = BlockingExecutor()
    let store = try QueueStore(directory: directory, runner: executor, groupCommit: groupCommit)
    let content = ByteBuffer(repeating: UInt8(ascii: "x"), count: size)
    let envelope = Envelope(reversePath: "bench@localhost", recipients: ["bob@localhost"])
    let start = seconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writers {
            group.addTask {
                for index in stride(from: writer, to: messages, by: writers) {
                    let id = QueueID(microseconds: UInt64(index) * 1000 + 1, random: UInt32(writer))
                    let header = QueueFile.Header(queueID: id, arrival: 0, envelope: envelope)
                    let incoming = store.create(header)
                    try await executor.run { try incoming.append(content) }
                    try await store.commit(incoming)
                }
            }
        }
        try await group.waitForAll()
    }
    let rate = Double(messages) / (seconds() - start)
    for id in try store.queueIDs() { try store.remove(id) }
    return rate
}

let base = arguments[1]
print("messages: \(messages), concurrent writers: \(writers), directory: \(base)")
for size in [1024, 102_400] {
    for groupCommit in [false, true] {
        let rate = try await measure(groupCommit: groupCommit, size: size, directory: base + "/bench-\(size)-\(groupCommit)")
        let label = groupCommit ? "with group commit   " : "without group commit"
        print("\(size / 1024) KiB \(label): \(Int(rate)) msgs/s")
    }
}
