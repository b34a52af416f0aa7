// SASL exchanges of AUTH (RFC 4954): PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login),
// decoded from base64 into a user and a password. Pure.
import FoundationEssentials
import MailCore

/// Where an AUTH exchange stands while it waits for the client's next line.
enum AuthExchange: Sendable, Equatable {
    case plain
    case loginUser
    case loginPassword(user: String)

    /// The outcome of one client response.
    enum Step: Sendable, Equatable {
        /// Send `334 challenge` and wait for the next line.
        case challenge(String, AuthExchange)
        case credentials(user: String, password: String)
        case failed(Reply)
    }

    static let usernamePrompt = "VXNlcm5hbWU6"
    static let passwordPrompt = "UGFzc3dvcmQ6"

    /// The exchange for `AUTH mechanism`, or the reply refusing an unknown mechanism.
    static func start(mechanism: String) -> Result<AuthExchange, ReplyError> {
        switch mechanism {
        case "PLAIN": .success(.plain)
        case "LOGIN": .success(.loginUser)
        default: .failure(ReplyError(Reply(504, "5.5.4", "Error: unsupported authentication mechanism \(mechanism)")))
        }
    }

    /// Handles one client line (an initial response or the answer to a challenge).
    func respond(_ line: String) -> Step {
        if line == "*" { return .failed(Reply(501, "5.0.0", "Error: authentication cancelled")) }
        guard let decoded = line == "=" ? [] : Data(base64Encoded: line).map(Array.init) else {
            return .failed(Reply(501, "5.5.2", "Error: malformed base64 in authentication response"))
        }
        switch self {
        case .plain:
            // authzid NUL authcid NUL passwd
            let parts = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let user = String(validating: parts[1], as: UTF8.self),
                  let password = String(validating: parts[2], as: UTF8.self), !user.isEmpty
            else { return .failed(Reply(501, "5.5.2", "Error: malformed PLAIN response")) }
            return .credentials(user: user, password: password)
        case .loginUser:
            guard let user = String(validating: decoded, as: UTF8.self), !user.isEmpty else {
                return .failed(Reply(501, "5.5.2", "Error: malformed LOGIN user name"))
            }
            return .challenge(Self.passwordPrompt, .loginPassword(user: user))
        case .loginPassword(let user):
            guard let password = String(validating: decoded, as: UTF8.self) else {
                return .failed(Reply(501, "5.5.2", "Error: malformed LOGIN password"))
            }
            return .credentials(user: user, password: password)
        }
    }

    /// The challenge to send when AUTH came without an initial response.
    var firstChallenge: String {
        switch self {
        case .plain: ""
        case .loginUser: Self.usernamePrompt
        case .loginPassword: Self.passwordPrompt
        }
    }
}
