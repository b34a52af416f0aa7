// swift-tools-version:6.1
// Tern: a socket-activated, journal-logging mail system for Linux.
// Tiers (dependencies point down only): plumbing (CSystemd, Systemd, PosixFile) →
// mail knowledge (MailCore, MailWire, SMTP, Queue, Maildir) → runtime (TernRuntime) →
// one thin executable per job.
import PackageDescription

let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
// swift-crypto 4 imports FoundationEssentials where it exists; 3.x imported all of Foundation,
// which linked libFoundation and ICU into every daemon for one PBKDF2 call.
let cryptoExtras = Target.Dependency.product(name: "CryptoExtras", package: "swift-crypto")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "tern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tern-submitd", targets: ["tern-submitd"]),
        .executable(name: "tern-mtad", targets: ["tern-mtad"]),
        .executable(name: "tern-deliverd", targets: ["tern-deliverd"]),
        .executable(name: "tern-local", targets: ["tern-local"]),
        .executable(name: "mailctl", targets: ["mailctl"]),
        .executable(name: "smtp-fuzz", targets: ["smtp-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Plumbing.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Systemd", dependencies: ["CSystemd", logging]),
        .systemLibrary(name: "CFileCalls"),
        .target(name: "PosixFile", dependencies: ["CFileCalls", nio]),
        .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),
        // Mail knowledge, no I/O beyond files.
        .target(name: "MailCore"),
        .target(name: "MailWire", dependencies: ["MailCore", nio]),
        .target(name: "SMTP", dependencies: ["MailCore", nio]),
        .target(name: "Queue", dependencies: ["CZlib", "MailCore", "MailWire", "PosixFile", nio, logging]),
        .target(name: "Maildir", dependencies: ["MailCore", "PosixFile", nio]),
        .target(name: "Relay", dependencies: ["MailCore", "SMTP", "CResolv", "PosixFile"]),
        // Sockets, listeners and lifecycle shared by the daemons and mailctl.
        .target(name: "TernRuntime", dependencies: ["MailCore", "PosixFile", "Queue", "Relay", "MailWire", "SMTP", "Systemd", nio, nioPosix, nioSSL, crypto, cryptoExtras, logging, lifecycle]),
        // One thin executable per job.
        .executableTarget(name: "tern-submitd", dependencies: ["TernRuntime", "SMTP", "MailWire", "MailCore", "Systemd", nio, logging, lifecycle]),
        .executableTarget(name: "tern-mtad", dependencies: ["TernRuntime", "Queue", "MailWire", "MailCore", "Systemd", nio, logging, lifecycle]),
        .executableTarget(name: "tern-deliverd", dependencies: ["TernRuntime", "MailWire", "MailCore", "Systemd", nio, logging, lifecycle]),
        // Spawned by tern-deliverd per mailbox access, as the mailbox's owner.
        .executableTarget(name: "tern-local", dependencies: ["Maildir", "MailWire", "MailCore", "PosixFile", nio]),
        // The queue commit benchmark (not installed).
        .executableTarget(name: "tern-queue-bench", dependencies: ["TernRuntime", "Queue", "MailCore", nio]),
        // Hot-path micro-benchmarks: SMTP parsing, DATA reader, MailWire, Maildir (not installed).
        .executableTarget(name: "tern-micro-bench", dependencies: ["SMTP", "MailWire", "Maildir", "MailCore", "PosixFile", nio]),
        .executableTarget(name: "mailctl", dependencies: ["TernRuntime", "SMTP", "MailWire", "MailCore", "Systemd", "PosixFile", nio, argumentParser]),
        // libFuzzer target over the SMTP engine (scripts/fuzz); a corpus replayer otherwise.
        .executableTarget(name: "smtp-fuzz", dependencies: ["SMTP", "MailCore", nio]),
        // Tests mirror sources.
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"], exclude: ["Golden"]),
        .testTarget(name: "MailWireTests", dependencies: ["MailWire", "MailCore", nio,
                                                          .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "SMTPTests", dependencies: ["SMTP", "MailCore", nio]),
        .testTarget(name: "QueueTests", dependencies: ["Queue", "MailWire", "MailCore", "PosixFile", nio, logging], exclude: ["Golden"]),
        .testTarget(name: "MaildirTests", dependencies: ["Maildir", "MailCore", "PosixFile", nio]),
        .testTarget(name: "PosixFileTests", dependencies: ["PosixFile"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", logging]),
        .testTarget(name: "TernRuntimeTests", dependencies: ["TernRuntime", "MailWire", "MailCore", nio, nioPosix, logging,
                                                             .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                                                             .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "MailCore", "SMTP"]),
    ],
    swiftLanguageModes: [.v6]
)
