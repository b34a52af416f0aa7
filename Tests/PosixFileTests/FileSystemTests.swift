// FileSystem's questions about the file system under a path, asked of the kernel's own
// file systems and of a FUSE mount (bindfs, when it and /dev/fuse are there).
import Foundation
import Glibc
import PosixFile
import Testing

@Suite struct FileSystemTests {
    @Test func kernelFileSystemsAreNotRemote() {
        // procfs and sysfs are the kernel's own on every Linux machine (the root file system
        // may itself be 9P or FUSE on some virtual machines).
        for path in ["/proc", "/sys"] { #expect(!FileSystem.isRemote(path), "\(path)") }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bindfs") && getuid() == 0))
    func aFUSEMountIsRemote() throws {
        let base = "/tmp/tern-fuse-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.makeDirectories(base + "/source")
        try FileSystem.makeDirectories(base + "/mount")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try #require(system("/usr/bin/bindfs \(base)/source \(base)/mount") == 0)
        defer { _ = system("umount \(base)/mount") }
        #expect(FileSystem.isRemote(base + "/mount"))
        #expect(FileSystem.isRemote(base + "/source") == FileSystem.isRemote(base))
    }

    @Test func theDirectoryOfAPathIsWhatDirnameGives() {
        #expect(FileSystem.directory(of: "/etc/tern/aliases") == "/etc/tern")
        #expect(FileSystem.directory(of: "/aliases") == "/")
        #expect(FileSystem.directory(of: "aliases") == ".")
        #expect(FileSystem.directory(of: "tern/aliases") == "tern")
    }

    @Test func aPathStatfsCannotReadCountsAsRemote() {
        #expect(FileSystem.isRemote("/nonexistent/tern-\(UInt32.random(in: 0...UInt32.max))"))
    }

    @Test func freeSpaceIsReadOrNil() {
        #expect((FileSystem.availableSpace("/tmp") ?? 0) > 0)
        #expect(FileSystem.availableSpace("/nonexistent/tern") == nil)
    }
}
