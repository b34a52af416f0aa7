"""Tern under a real systemd (issue 7): a booted systemd-nspawn machine, Tern installed
into it with `make install`, sockets enabled with `systemctl enable --now tern.target`.

No daemon runs before the first connection; mail sent with `mailctl send` and over TCP is
delivered; each daemon was started by its socket; the journal holds QUEUE_ID and the other
fields (`journalctl -o json`), catalog MESSAGE_IDs, and `mailctl log` / `mailctl status`
read them; SIGKILL of any daemon gets it restarted and loses no accepted message; a
stopped watchdog pinger gets the daemon restarted; SIGTERM answers 421 4.3.2 to an idle
SMTP session and lets one in DATA finish; idle daemons exit and their sockets start them
again. Needs root and systemd-nspawn (scripts/setup installs systemd-container).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nspawn import Machine
from tern import BIN_DIR, REPO

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("systemd-nspawn") is None,
                                reason="needs root and systemd-nspawn")

SERVICES = ["tern-submitd.service", "tern-mtad.service", "tern-deliverd.service"]
SOCKETS = ["tern-submitd.socket", "tern-smtp.socket", "tern-mtad.socket", "tern-deliverd.socket"]
SMTP_CLIENT = str(Path(__file__).with_name("nspawn_smtp.py"))
CATALOG = {  # Sources/MailCore/MailEvent.swift
    "received": "25ac3f3f45df492c896a16f351d0914c", "stored": "f123a836dfa345b99675402cf5882a1f",
    "delivered": "f608f8549e1b410886cdbc37dfe09038",
}


@pytest.fixture(scope="module")
def machine():
    machine = Machine(REPO)
    try:
        machine.run(["make", "-C", str(REPO), "install", f"BUILT={BIN_DIR}"])
        # Daemons stay until told otherwise (test_idle_daemons_exit turns idle exit on);
        # a delivery cut short by a SIGKILL is retried within seconds.
        machine.run(["sh", "-c", "printf 'idle_timeout = 0\\nretry_minimum = 1\\nretry_maximum = 2\\n' >> /etc/tern/tern.conf"])
        machine.run(["systemctl", "enable", "--now", "tern.target"])
        yield machine
    finally:
        machine.close()


def mailbox(machine) -> list[dict]:
    out = machine.run(["mailctl", "mailbox", "--user", "root", "--json"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def wait_delivered(machine, subjects: list[str], timeout: float = 60):
    machine.wait_for(lambda: set(subjects) <= {entry["subject"] for entry in mailbox(machine)},
                     f"{len(subjects)} messages in root's mailbox", timeout)


def send_tcp(machine, count: int, prefix: str) -> dict:
    return json.loads(machine.run_in_network([sys.executable, SMTP_CLIENT, "send", str(count), prefix]).stdout)


def journal(machine, *matches: str) -> list[dict]:
    out = machine.run(["journalctl", "-o", "json", "--no-pager", *matches]).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_no_daemon_runs_before_the_first_connection(machine):
    for socket in SOCKETS:
        assert machine.show(socket, "ActiveState") == "active", socket
        assert machine.show(socket, "SubState") == "listening", socket
    for service in SERVICES:
        assert machine.show(service, "ActiveState") == "inactive", service
        assert machine.show(service, "ExecMainStartTimestampMonotonic") == "0", service
    assert machine.show("tern-mtad.timer", "ActiveState") == "active"
    assert machine.run(["id", "-u", "_tern"]).stdout.strip() != ""


def test_mail_is_delivered_started_by_sockets_and_journaled(machine):
    sent = machine.run(["mailctl", "send", "--to", "root@localhost", "--subject", "by mailctl"], input="Hello.\n")
    queue_id = sent.stdout.split()[-1]
    tcp = send_tcp(machine, 1, "by smtp")
    assert tcp["accepted"] == ["by smtp 0"], tcp
    wait_delivered(machine, ["by mailctl", "by smtp 0"])

    for service in SERVICES:  # nothing else started them: only the connections did
        assert machine.show(service, "ExecMainStartTimestampMonotonic") != "0", service
        assert "tern-" in machine.show(service, "TriggeredBy"), service

    entries = journal(machine, f"QUEUE_ID={queue_id}")
    by_event = {entry.get("EVENT"): entry for entry in entries}
    assert {entry["SYSLOG_IDENTIFIER"] for entry in entries} == {"tern-submitd", "tern-mtad", "tern-deliverd"}
    # Delivered before it was queued (direct_delivery): never in the queue, so no
    # `queued` and no `removed`.
    assert set(by_event) == {"received", "stored", "delivered"}, set(by_event)
    for event in by_event:
        assert by_event[event]["MESSAGE_ID"] == CATALOG[event], event
    received = by_event["received"]
    assert received["MAIL_FROM"].startswith("root@") and received["RCPT_TO"] == "root@localhost"
    assert received["PEER_UID"] == "0" and received["SMTP_CLIENT"] == "local socket, uid 0"
    delivered = by_event["delivered"]
    assert delivered["RELAY"] == "tern-deliverd" and delivered["DSN_STATUS"] == "2.0.0" and "DELAY" in delivered
    assert by_event["stored"]["_SYSTEMD_UNIT"] == "tern-deliverd.service"
    explained = machine.run(["journalctl", "-x", "--no-pager", f"QUEUE_ID={queue_id}", "EVENT=delivered"]).stdout
    assert f"Message {queue_id} delivered to root@localhost" in explained

    tcp_entry = next(entry for entry in journal(machine, "EVENT=received") if entry["SMTP_CLIENT"] == "[127.0.0.1]")
    assert "PEER_UID" not in tcp_entry

    timeline = machine.run(["mailctl", "log", queue_id]).stdout.splitlines()
    assert [line.split()[3] for line in timeline] == ["stored", "delivered", "received"]
    as_json = [json.loads(line) for line in machine.run(["mailctl", "log", "--json", queue_id]).stdout.splitlines()]
    assert {entry["daemon"] for entry in as_json} == {"tern-submitd", "tern-mtad", "tern-deliverd"}
    assert all(entry["QUEUE_ID"] == queue_id for entry in as_json)

    machine.wait_for(lambda: "served" in machine.show("tern-mtad.service", "StatusText"), "a live STATUS=")
    status = machine.run(["mailctl", "status"]).stdout.splitlines()
    assert status[0].split() == ["DAEMON", "STATE", "STATUS"]
    states = {line.split()[0]: line.split()[1] for line in status[1:4]}
    assert set(states) == {"tern-submitd", "tern-mtad", "tern-deliverd"}
    assert all(state in ("running", "idle") for state in states.values()), status
    assert status[4] == "Queue: 0 messages"
    # An ordinary user sees the same states (D-Bus properties need no privilege) but not
    # the system journal.
    machine.run(["useradd", "--no-create-home", "bob"])
    uid, gid = (machine.run(["id", option, "bob"]).stdout.strip() for option in ("-u", "-g"))
    as_bob = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    assert machine.run([*as_bob, "mailctl", "status"]).stdout.splitlines()[0].split() == ["DAEMON", "STATE", "STATUS"]
    assert machine.run([*as_bob, "mailctl", "log", queue_id], check=False).returncode == 66


def test_sigkill_restarts_and_loses_nothing(machine):
    triggers = {  # a connection that starts each daemon
        "tern-submitd.service": ["mailctl", "send", "--to", "root@localhost", "--subject", "trigger"],
        "tern-mtad.service": ["mailctl", "queue"],
        "tern-deliverd.service": ["mailctl", "mailbox", "--user", "root"],
    }
    accepted = []
    for round_number, (service, trigger) in enumerate(triggers.items()):
        machine.run(trigger, input="x\n")
        machine.wait_for(lambda: machine.show(service, "ActiveState") == "active", f"{service} running")
        restarts = int(machine.show(service, "NRestarts"))
        # SIGKILL while messages are going in, then let the sender finish.
        sender = subprocess.Popen(["nsenter", "-t", machine.pid, "-n", sys.executable, SMTP_CLIENT, "send", "15",
                                   f"round {round_number}"], stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        machine.run(["systemctl", "kill", "--signal=SIGKILL", "--kill-whom=main", service])
        out, _ = sender.communicate(timeout=120)
        result = json.loads(out)
        accepted += result["accepted"]
        machine.wait_for(lambda: int(machine.show(service, "NRestarts")) == restarts + 1, f"{service} restarted")
        machine.wait_for(lambda: machine.show(service, "ActiveState") == "active", f"{service} running again")
    assert len(accepted) >= 40, accepted
    wait_delivered(machine, accepted)
    subjects = [entry["subject"] for entry in mailbox(machine)]
    assert all(subjects.count(subject) == 1 for subject in accepted)
    machine.wait_for(lambda: machine.run(["mailctl", "queue"]).stdout == "Mail queue is empty\n", "an empty queue")


def test_watchdog_restarts_a_daemon_that_stops_answering(machine):
    dropin = "/run/systemd/system/tern-deliverd.service.d"
    machine.run(["mkdir", "-p", dropin])
    machine.run(["sh", "-c", f"printf '[Service]\\nWatchdogSec=2s\\nWatchdogSignal=SIGKILL\\n' > {dropin}/watchdog.conf"])
    try:
        machine.run(["systemctl", "daemon-reload"])
        machine.run(["systemctl", "restart", "tern-deliverd.service"])
        restarts = int(machine.show("tern-deliverd.service", "NRestarts"))
        machine.run(["sleep", "4"])  # twice WatchdogSec: alive only if it pings
        assert machine.show("tern-deliverd.service", "NRestarts") == str(restarts)
        pid = machine.show("tern-deliverd.service", "MainPID")
        machine.run(["kill", "-STOP", pid])
        machine.wait_for(lambda: int(machine.show("tern-deliverd.service", "NRestarts")) == restarts + 1,
                         "the watchdog restart", timeout=20)
        assert "Watchdog timeout" in machine.run(["journalctl", "-u", "tern-deliverd.service", "--no-pager"]).stdout
    finally:
        machine.run(["rm", "-r", dropin])
        machine.run(["systemctl", "daemon-reload"])


def test_sigterm_answers_421_and_lets_data_finish(machine):
    machine.run(["systemctl", "start", "tern-submitd.service"])
    result = json.loads(machine.run_in_network([sys.executable, SMTP_CLIENT, "drain", machine.pid]).stdout)
    assert result["dialogue"][-1].startswith("354"), result
    assert result["idle"].startswith("421 4.3.2 "), result
    assert result["busy"][0].startswith("250 "), result
    assert result["busy"][1].startswith("421 4.3.2 "), result
    wait_delivered(machine, ["drained"])


def test_idle_daemons_exit_and_their_sockets_start_them_again(machine):
    machine.run(["sed", "-i", "s/^idle_timeout = 0$/idle_timeout = 2/", "/etc/tern/tern.conf"])
    machine.run(["systemctl", "stop", *SERVICES])
    machine.run(["mailctl", "send", "--to", "root@localhost", "--subject", "before idle"], input="x\n")
    wait_delivered(machine, ["before idle"])
    for service in SERVICES:
        machine.wait_for(lambda: machine.show(service, "ActiveState") == "inactive", f"{service} idle exit", 30)
        assert machine.show(service, "Result") == "success", service
    assert "exiting after the idle timeout" in machine.run(["journalctl", "-t", "tern-mtad", "--no-pager"]).stdout
    for socket in SOCKETS:
        assert machine.show(socket, "SubState") == "listening", socket
    machine.run(["mailctl", "send", "--to", "root@localhost", "--subject", "after idle"], input="x\n")
    wait_delivered(machine, ["after idle"])
