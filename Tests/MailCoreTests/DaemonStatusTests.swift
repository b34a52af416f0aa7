// `mailctl status`: states from systemd's unit states, and the output byte for byte.
import MailCore
import Testing

@Suite struct DaemonStatusTests {
    @Test(arguments: [
        ("active", ["active"], "2 SMTP sessions open", DaemonStatus.State.running),
        ("active", ["active"], "idle 4s; queue empty", .idle),
        ("inactive", ["active", "active"], "", .listening),
        ("inactive", ["active", "inactive"], "", .stopped),
        ("inactive", ["failed"], "", .failed),
        ("failed", ["active"], "", .failed),
        ("activating", ["active"], "", .starting),
        ("deactivating", ["active"], "", .stopping),
    ])
    func state(service: String, sockets: [String], status: String, expected: DaemonStatus.State) {
        #expect(DaemonStatus.state(service: service, sockets: sockets, status: status) == expected)
    }

    static let daemons = [
        DaemonStatus(name: "tern-submitd", state: .listening, status: ""),
        DaemonStatus(name: "tern-mtad", state: .running, status: "queue: 1 message, oldest 5m"),
    ]
    static let queue = QueueStatus([QueueSummary(queueID: QueueID("0lDGXp2P5pZ098")!, size: 10, arrival: 1000,
                                                 reversePath: "a@b", nextAttempt: 0, recipients: [])])

    @Test func text() {
        #expect(DaemonStatusFormat.text(Self.daemons, queue: Self.queue, now: 1300) == """
            DAEMON         STATE      STATUS
            tern-submitd   listening  -
            tern-mtad      running    queue: 1 message, oldest 5m
            Queue: 1 message, oldest 0lDGXp2P5pZ098 (5m ago)

            """)
        #expect(DaemonStatusFormat.text([], queue: nil, now: 0).hasSuffix("Queue: unavailable\n"))
    }

    @Test func json() {
        #expect(DaemonStatusFormat.json(Self.daemons, queue: Self.queue) == """
            {"daemon":"tern-submitd","state":"listening","status":""}
            {"daemon":"tern-mtad","state":"running","status":"queue: 1 message, oldest 5m"}
            {"queue_messages":1,"oldest_queue_id":"0lDGXp2P5pZ098","oldest_arrival_time":1000}

            """)
        #expect(DaemonStatusFormat.json([], queue: nil) == "{\"queue_messages\":null,\"oldest_queue_id\":null,\"oldest_arrival_time\":null}\n")
    }
}
