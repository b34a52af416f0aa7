// Input read from a connection and parsed in place: what was parsed stays behind the
// reader index until it is dropped. A connection that lives for many messages (an SMTP
// session in tern-submitd, a reused outgoing SMTP connection in tern-mtad) must drop it,
// or its input holds everything the connection ever carried.
import NIOCore

extension ByteBuffer {
    /// Appends octets just read from the connection to this input, whose reader index marks
    /// what was parsed: they become the input as they are, uncopied, when nothing is left
    /// over; else the parsed octets are dropped once 64 KiB or more of them lie behind the
    /// reader index, and the new ones appended. Parsed octets held: under 64 KiB plus one
    /// read.
    mutating func appendReceived(_ received: inout ByteBuffer) {
        if readableBytes == 0 {
            self = received
        } else {
            if readerIndex >= 65_536 { discardReadBytes() }
            writeBuffer(&received)
        }
    }
}
