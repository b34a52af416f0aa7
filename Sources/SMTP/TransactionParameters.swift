// The ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 `esmtp-param`): SIZE (RFC 1870),
// BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT (RFC 3461), AUTH (RFC 4954
// §5). Unknown parameters → 555 5.5.4; a bad or repeated value → 501 5.5.4; on any
// error no transaction is opened (cases C09).
import MailCore

enum TransactionParameters {
    /// Applies MAIL's parameters to a new envelope.
    /// - Parameter sizeLimit: the advertised SIZE, octets.
    static func mail(_ parameters: [SMTPCommand.Parameter], to envelope: inout Envelope, sizeLimit: UInt64) -> Reply? {
        var seen: Set<String> = []
        for parameter in parameters {
            guard seen.insert(parameter.keyword).inserted else { return .badArgument("\(parameter.keyword) given twice") }
            let value = parameter.value
            switch parameter.keyword {
            case "SIZE":
                guard let value, !value.isEmpty, value.count <= 20, value.allSatisfy(\.isASCIIDigit), let size = UInt64(value) else {
                    return .badArgument("SIZE needs a number of octets")
                }
                guard size <= sizeLimit else { return .messageTooBig }
                envelope.declaredSize = size
            case "BODY":
                switch value?.uppercased() {
                case "7BIT": envelope.bodyType = .sevenBit
                case "8BITMIME": envelope.bodyType = .eightBitMIME
                default: return .badArgument("BODY must be 7BIT or 8BITMIME")
                }
            case "SMTPUTF8":
                guard value == nil else { return .badArgument("SMTPUTF8 takes no value") }
                envelope.smtpUTF8 = true
            case "RET":
                switch value?.uppercased() {
                case "FULL": envelope.dsnReturn = .full
                case "HDRS": envelope.dsnReturn = .headers
                default: return .badArgument("RET must be FULL or HDRS")
                }
            case "ENVID":
                guard let value, let decoded = XText.decode(value), !decoded.isEmpty, decoded.utf8.count <= 100 else {
                    return .badArgument("ENVID must be xtext of at most 100 characters")
                }
                envelope.envelopeID = decoded
            case "AUTH":
                // RFC 4954 §5: the identity the original submitter authenticated as; kept
                // only as information, so it is checked for syntax and not stored.
                guard let value, value == "<>" || XText.decode(value) != nil else { return .badArgument("AUTH must be xtext or <>") }
            default:
                return .unsupportedParameter(parameter.keyword)
            }
        }
        return nil
    }

    /// The DSN parameters of one RCPT.
    static func recipient(_ parameters: [SMTPCommand.Parameter]) -> Result<RecipientDSN, ReplyError> {
        var dsn = RecipientDSN()
        var seen: Set<String> = []
        for parameter in parameters {
            guard seen.insert(parameter.keyword).inserted else { return .failure(ReplyError(.badArgument("\(parameter.keyword) given twice"))) }
            switch parameter.keyword {
            case "NOTIFY":
                guard let notify = parameter.value.flatMap(notifyValue) else {
                    return .failure(ReplyError(.badArgument("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")))
                }
                dsn.notify = notify
            case "ORCPT":
                guard let value = parameter.value, let semicolon = value.firstIndex(of: ";"),
                      value[..<semicolon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), semicolon != value.startIndex,
                      let address = XText.decode(String(value[value.index(after: semicolon)...])), !address.isEmpty
                else { return .failure(ReplyError(.badArgument("ORCPT must be addr-type;xtext"))) }
                dsn.originalRecipient = value[..<semicolon].lowercased() + ";" + address
            default:
                return .failure(ReplyError(.unsupportedParameter(parameter.keyword)))
            }
        }
        return .success(dsn)
    }

    private static func notifyValue(_ text: String) -> DSNNotify? {
        let words = text.uppercased().split(separator: ",", omittingEmptySubsequences: false)
        if words == ["NEVER"] { return .never }
        var notify: DSNNotify = []
        for word in words {
            switch word {
            case "SUCCESS": notify.insert(.success)
            case "FAILURE": notify.insert(.failure)
            case "DELAY": notify.insert(.delay)
            default: return nil
            }
        }
        return notify
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
