// mailctl: Tern's one command-line client — submit mail, list the queue, read mailboxes,
// show the daemons' state and a message's journal. Exit statuses follow sysexits(3), so scripts
// and cron can tell "retry" (75) from "never" (69).
import ArgumentParser

@main
struct MailCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailctl",
        abstract: "Control and use the Tern mail system.",
        discussion: "Paths follow TERN_ROOT when it is set (a private instance), the system layout otherwise.",
        subcommands: [Send.self, QueueCommand.self, MailboxCommand.self, ReadCommand.self, StatusCommand.self, LogCommand.self])
}
