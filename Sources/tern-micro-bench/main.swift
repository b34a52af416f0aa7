// tern-micro-bench: the hot paths of one message, each timed in a loop (release build):
// SMTP command parsing, the DATA reader, MailWire encode+decode of a CHUNK, the CRLF→LF
// Maildir writer (with and without its fsyncs). Queue commits: tern-queue-bench.
// Usage: tern-micro-bench [DIRECTORY] — DIRECTORY for the Maildir case (default /var/tmp).
import Glibc
import MailCore
import MailWire
import Maildir
import PosixFile
import NIOCore
import SMTP

func seconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Runs `body` `iterations` times (after a tenth as warm-up); prints ns per iteration
/// and, with `octets`, the rate in MiB/s.
func measure(_ name: String, iterations: Int, octets: Int = 0, _ body: () -> Int) {
    var sink = 0
    for _ in 0..<max(1, iterations / 10) { sink &+= body() }
    let start = seconds()
    for _ in 0..<iterations { sink &+= body() }
    let elapsed = seconds() - start
    let perIteration = elapsed / Double(iterations)
    var line = name + String(repeating: " ", count: max(1, 44 - name.count)) + "\(Int(perIteration * 1e9)) ns"
    if octets > 0 { line += ", \(Int(Double(octets) / perIteration / 1_048_576)) MiB/s" }
    print(line + (sink == 42 ? " " : ""))
}

let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/var/tmp"

let commands: [[UInt8]] = [
    "EHLO client.example.org", "MAIL FROM:<alice@example.org> SIZE=1024 BODY=8BITMIME",
    "RCPT TO:<bob@localhost> NOTIFY=SUCCESS,FAILURE", "DATA", "QUIT",
].map { Array($0.utf8) }
measure("SMTP: parse 5 commands", iterations: 200_000) {
    var n = 0
    for line in commands { if case .success = SMTPCommand.parse(line) { n += 1 } }
    return n
}

func message(_ size: Int) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeString("Subject: bench\r\nFrom: a@example.org\r\n\r\n")
    let line = String(repeating: "x", count: 76) + "\r\n"
    while buffer.readableBytes < size { buffer.writeString(line) }
    buffer.writeString(".\r\n")
    return buffer
}
for size in [1024, 102_400] {
    let input = message(size)
    measure("SMTP: DATA reader, \(size / 1024) KiB", iterations: size > 2048 ? 5_000 : 200_000, octets: size) {
        var reader = DataReader()
        var bytes = input
        let output = reader.read(&bytes)
        return output.content.count + (output.ended ? 1 : 0)
    }
}

let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: Frame.maximumChunk)
measure("MailWire: CHUNK 64 KiB encode+decode", iterations: 20_000, octets: Frame.maximumChunk) {
    var wire = ByteBuffer()
    try! FrameEncoder().encode(data: Message.chunk(chunk).frame(requestID: 7), out: &wire)
    var decoder = FrameDecoder()
    guard let frame = try! decoder.decode(buffer: &wire), case .chunk(let content) = try! Message(frame: frame) else { return 0 }
    return content.readableBytes
}
let request = DeliveryRequest(queueID: QueueID("0lDGMhr3h0tPHt")!, reversePath: "a@example.org", arrival: 1_795_971_919,
                              mayBeRedelivery: false, recipients: ["bob@localhost"])
measure("MailWire: DELIVER encode+decode", iterations: 200_000) {
    var wire = ByteBuffer()
    try! FrameEncoder().encode(data: Message.deliver(request).frame(requestID: 7), out: &wire)
    var decoder = FrameDecoder()
    guard let frame = try! decoder.decode(buffer: &wire) else { return 0 }
    return (try? Message(frame: frame)) == nil ? 0 : 1
}

// Maildir: one delivery each (what tern-local does per mailbox): file created in tmp/,
// written with LF line ends, fsynced, linked into new/, new/ fsynced.
let root = directory + "/tern-micro-bench-\(getpid())"
var serial: UInt64 = 1
for size in [1024, 102_400] {
    let spool = root + "-spool-\(size)"
    var content = message(size)
    content.moveWriterIndex(to: content.writerIndex - 3)
    let file = try! WritableFile(creating: spool)
    try! file.write(Array(content.readableBytesView))
    try! file.close()
    try! FileSystem.makeDirectories(root + "/bob", mode: 0o700)
    let maildir = try! Maildir(Directory(opening: root + "/bob"), create: true)
    measure("Maildir: deliver \(size / 1024) KiB (file+dir fsync)", iterations: 200, octets: size) {
        serial += 1
        var source = FileSource(try! ReadableFile(opening: spool))
        let reply = MaildirWriter.deliver(&source, into: maildir, name: "\(serial).bench",
                                          traceFields: TraceHeaders.delivery(reversePath: "a@example.org", recipient: "bob@localhost"),
                                          lookForEarlierCopy: false)
        try! maildir.commitNew(linked: ["\(serial).bench"])
        return reply.code == 250 ? 1 : 0
    }
    _ = unlink(spool)
}
_ = system("rm -rf '\(root)'")
