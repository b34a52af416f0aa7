// One Maildir (maildir(5)): a directory holding `tmp/`, `new/` and `cur/`, all three created
// up front (mutt and other readers recognise a Maildir by `cur/`). Every part is opened
// without following symbolic links, so a link planted at `new/` ends the delivery (ELOOP)
// instead of writing where it points. Files left in `tmp/` for 36 hours are removed, as
// maildir(5) allows.
import Glibc
import PosixFile

/// An open Maildir.
public struct Maildir {
    /// How long a file may sit in `tmp/` before it counts as the remains of a crashed
    /// delivery (maildir(5): 36 hours).
    public static let temporaryLifetime: Int64 = 36 * 3600

    let tmp: Directory
    let new: Directory
    let cur: Directory

    /// Opens the Maildir in `directory`.
    /// - Parameter create: create missing `tmp/`, `new/` and `cur/` (mode 0700), for delivery.
    /// - Throws: `FileError`, e.g. ELOOP or ENOTDIR when a part is a symbolic link.
    public init(_ directory: Directory, create: Bool) throws(FileError) {
        let mode: mode_t? = create ? 0o700 : nil
        tmp = try directory.subdirectory("tmp", creatingWith: mode)
        new = try directory.subdirectory("new", creatingWith: mode)
        cur = try directory.subdirectory("cur", creatingWith: mode)
    }

    /// Makes what `MaildirWriter.place` put into or found in `new/` durable: one fsync of
    /// `new/` for all of it. When it fails, `linked` (the names this placement linked) are
    /// unlinked from `new/` again: after a failed fsync Linux forgets the dirty state, so a
    /// later fsync would succeed without writing them, and a retry that found them by name
    /// would count them delivered. A name found there was linked by another attempt, which
    /// answers for it, and is left alone, as is a copy already read (in `cur/`).
    /// - Throws: the fsync's `FileError`.
    public func commitNew(linked: [String]) throws(FileError) {
        do {
            try new.sync()
        } catch {
            for name in linked { try? new.remove(name) }
            throw error
        }
    }

    /// Removes regular files in `tmp/` last modified before `now - temporaryLifetime`.
    /// - Parameter now: Unix seconds.
    /// - Returns: how many were removed.
    @discardableResult
    public func sweepTemporaryFiles(now: Int64) -> Int {
        var removed = 0
        for name in (try? tmp.names()) ?? [] {
            guard let status = tmp.status(of: name), status.isRegularFile,
                  status.modified < now - Self.temporaryLifetime else { continue }
            if (try? tmp.remove(name)) != nil { removed += 1 }
        }
        return removed
    }
}
