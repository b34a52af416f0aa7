// Text that a C call wrote into a fixed-size buffer (gethostname, inet_ntop, getnameinfo).

extension String {
    /// The text before the first NUL of `buffer` (all of it when there is none), as UTF-8.
    public init(nulTerminated buffer: [CChar]) {
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        self.init(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
