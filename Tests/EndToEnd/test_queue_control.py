"""`mailctl queue` against the real tern-mtad: every verb, --json, and quarantine of a damaged
queue file found at start-up (protocols/queue-format.md §Validation). tern-deliverd is
started late, so messages stay queued while the verbs run."""

import email
import json
import os
import time
from email import policy

from mailwire import Connection


def queued(tern, timeout=20.0, want=lambda entries: bool(entries)):
    deadline = time.monotonic() + timeout
    while True:
        entries = [json.loads(line) for line in tern.queue_json()]
        if want(entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def test_every_verb_with_json(tern_instance):
    tern = tern_instance
    tern.start("tern-mtad")
    tern.start("tern-submitd")
    tern.mailctl("send", "--from", "alice@localhost", "--to", "bob@localhost", "--subject", "verbs", input="body\n")
    [entry] = queued(tern, want=lambda e: e and e[0]["recipients"][0]["delay_reason"])
    qid = entry["queue_id"]
    assert entry["queue_name"] == "deferred"
    assert entry["recipients"][0]["delay_reason"].startswith("451 4.3.0")

    assert json.loads(tern.mailctl("queue", "hold", qid, "--json").stdout) == {
        "action": "hold", "queue_id": qid, "result": "hold: 1 message(s)"}
    assert queued(tern)[0]["queue_name"] == "hold"
    assert f"{qid}!" in tern.mailctl("queue").stdout.decode()

    shown = json.loads(tern.mailctl("queue", "show", qid, "--json").stdout)
    assert shown["attempts"] >= 1 and shown["queue_name"] == "hold"
    assert "Subject: verbs\r\n" in shown["headers"]
    assert "Queue:        hold" in tern.mailctl("queue", "show", qid).stdout.decode()

    tern.mailctl("queue", "release", qid)
    assert queued(tern)[0]["queue_name"] != "hold"
    tern.mailctl("queue", "requeue", qid)
    assert json.loads(tern.mailctl("queue", "verify", "--json").stdout) == {"checked": 1, "problems": []}
    tern.mailctl("queue", "flush")

    # The independent client sees the same through MailWire.
    with Connection(tern.run_dir / "queue.sock") as wire:
        wire.hello()
        assert wire.queue_show(qid.encode())["entry"]["queue_id"] == qid.encode()

    # expire: the failure report goes to alice; delivered once tern-deliverd is there.
    tern.mailctl("queue", "expire", qid)
    report = queued(tern, want=lambda e: e and e[0]["queue_id"] != qid)
    assert [(r["sender"], r["recipients"][0]["address"]) for r in report] == [("", "alice@localhost")]
    tern.start("tern-deliverd")
    tern.mailctl("queue", "flush")
    assert tern.wait_for_messages({"alice": 1}) == {"alice": 1}
    assert tern.wait_for_empty_queue() == []
    [(_, message)] = tern.maildir("alice").items()
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/report"
    status = parsed.get_payload()[1]
    assert status.get_content_type() == "message/delivery-status"
    assert status.get_payload()[1]["Status"] == "5.4.7"
    assert tern.count("bob") == 0

    unknown = tern.mailctl("queue", "delete", qid, check=False)
    assert unknown.returncode != 0 and b"550" in unknown.stderr
    assert tern.mailctl("queue", "hold", check=False).returncode == 64


def test_damaged_file_is_quarantined_and_the_rest_flows(tern_instance):
    tern = tern_instance
    tern.start("tern-mtad")
    tern.start("tern-submitd")
    for n in range(2):
        tern.mailctl("send", "--to", "carol@localhost", "--subject", f"m{n}", input="x\n")
    entries = queued(tern, want=lambda e: len(e) == 2)
    damaged = entries[0]["queue_id"]
    tern.stop("tern-mtad")
    path = tern.queue_dir / damaged
    os.truncate(path, path.stat().st_size - 17)  # the end record is gone
    tern.start("tern-deliverd")
    tern.start("tern-mtad")
    assert tern.wait_for_messages({"carol": 1}) == {"carol": 1}
    assert tern.wait_for_empty_queue() == []
    assert (tern.queue_dir / "corrupt" / damaged).exists()
    verify = tern.mailctl("queue", "verify", "--json", check=False)
    assert verify.returncode == 65
    assert json.loads(verify.stdout)["problems"] == [{"name": damaged, "reason": "in corrupt/"}]
    assert "tern-mtad" in tern.procs and tern.alive("tern-mtad")


def test_content_damaged_under_a_running_queue_is_never_delivered(tern_instance):
    tern = tern_instance
    tern.start("tern-mtad")
    tern.start("tern-submitd")
    tern.mailctl("send", "--to", "erin@localhost", "--subject", "damaged", input="original text\n")
    [entry] = queued(tern, want=lambda e: e and e[0]["recipients"][0]["delay_reason"])
    path = tern.queue_dir / entry["queue_id"]
    data = bytearray(path.read_bytes())
    data[data.index(b"original text")] ^= 0x20
    path.write_bytes(bytes(data))
    tern.start("tern-deliverd")
    tern.mailctl("queue", "flush")
    time.sleep(2)
    assert tern.count("erin") == 0
    verify = tern.mailctl("queue", "verify", "--json", check=False)
    assert json.loads(verify.stdout)["problems"] == [{"name": entry["queue_id"], "reason": "checksum mismatch"}]
    assert tern.wait_for_empty_queue() == []
