// Reading the whole queue back: at start-up (crash recovery) and for `mailctl queue
// verify`. Every file is validated in full, checksum included; one that fails moves to
// `corrupt/` and is reported, and the rest of the queue keeps flowing.
import MailCore
import PosixFile

/// The outcome of checking the queue directory.
public struct QueueScan: Sendable {
    /// Valid messages with their saved state (nil when none was saved), in arrival order.
    public var messages: [(message: StoredMessage, state: MessageState?)] = []
    /// Files moved to `corrupt/`, with the reason.
    public var quarantined: [(name: String, reason: String)] = []
    /// State files that could not be used (the message starts afresh), with the reason.
    public var damagedStates: [(name: String, reason: String)] = []
}

extension QueueStore {
    /// Validates every queue file (or only `ids`), quarantining the ones that fail.
    /// - Throws: `FileError` when the directory cannot be listed or a bad file cannot be
    ///   moved aside; a file that cannot be read is reported, not thrown.
    public func scan(only ids: [QueueID]? = nil) throws(FileError) -> QueueScan {
        var result = QueueScan()
        if ids == nil { try removeOrphanStates() }
        let all: [QueueID]
        if let ids { all = ids } else { all = try queueIDs() }
        for id in all {
            let message: StoredMessage
            do {
                message = try load(id, checksum: true)
            } catch {
                // Damaged (FormatError) or unreadable: either way it cannot be delivered from.
                if FileSystem.status(path(of: id)) == nil { continue }
                try quarantine(id)
                result.quarantined.append((id.rawValue, "\(error)"))
                continue
            }
            do {
                result.messages.append((message, try loadState(of: message)))
            } catch {
                result.damagedStates.append((id.rawValue, "\(error)"))
                result.messages.append((message, nil))
            }
        }
        return result
    }
}
