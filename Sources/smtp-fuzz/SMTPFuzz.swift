// A fuzz target for the SMTP server engine: arbitrary bytes go through the command parser,
// the DATA reader, BDAT chunking and AUTH, with a queue, a TLS layer, a credential check
// and a recipient lookup that always answer. Built with `-sanitize=fuzzer,address
// -DFUZZING` it is a libFuzzer target; built normally it replays the files named on its
// command line (a corpus), so every crash the fuzzer finds stays a regression test.
import MailCore
import NIOCore
import SMTP

/// Runs one input; the first octet chooses the session's settings.
func exercise(_ bytes: UnsafeRawBufferPointer) {
    guard let flags = bytes.first else { return }
    var settings = SMTPServerSettings(hostname: "mx.example.org", clientDescription: "[192.0.2.1]", localDomains: ["example.org"])
    settings.relayPermitted = flags & 1 != 0
    settings.isLocalSubmission = flags & 2 != 0
    settings.tlsAvailable = flags & 4 != 0
    settings.authAvailable = flags & 8 != 0
    settings.messageSizeLimit = 4096
    settings.headerSectionLimit = 1024
    var session = SMTPServerSession(settings: settings)
    let id = QueueID("0000000000BCDF")!
    func perform(_ actions: [SMTPServerAction]) {
        var queue = actions
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .openQueue: queue = session.queueOpened(id, now: 0) + queue
            case .commitQueue: queue = (flags & 16 != 0 ? session.queueFailed(.notDurable) : session.queueCommitted(id)) + queue
            case .startTLS: queue = session.tlsStarted() + queue
            case .authenticate(let user, _): queue = session.authenticationChecked(user: user, accepted: flags & 32 != 0) + queue
            case .checkRecipient(let address):
                // Some addresses are unknown users, so both answers are exercised.
                queue = session.recipientChecked(refusal: address.utf8.count % 3 == 0 ? .unknownUser(address) : nil) + queue
            case .reply, .writeContent, .flush, .abortQueue, .close: break
            }
        }
    }
    perform(session.start())
    // Feed the input in pieces of varying size so every split point is exercised.
    var input = ByteBuffer()
    var offset = 1
    var piece = Int(flags >> 6) + 1
    while offset < bytes.count && !session.isClosed {
        let end = min(bytes.count, offset + piece)
        input.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        piece = piece * 3 % 61 + 1
        while true {
            let actions = session.advance(&input)
            if actions.isEmpty { break }
            perform(actions)
        }
    }
}

#if FUZZING
/// libFuzzer's driver (compiler-rt, LLVM 12 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The input callback libFuzzer's own main calls.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    exercise(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM names an executable's entry point after its module and aliases `main` to it,
/// which collides with libFuzzer's `main` (hence `--allow-multiple-definition` in
/// scripts/fuzz); whichever the linker keeps, the fuzzer's driver runs.
@_cdecl("smtp_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
#else
import Glibc

@main
struct CorpusReplay {
    /// Replays every file named on the command line.
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            fclose(file)
            bytes.withUnsafeBytes(exercise)
        }
    }
}
#endif
