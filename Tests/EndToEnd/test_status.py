"""`mailctl status` for a private instance (TERN_ROOT), which systemd does not manage:
a daemon is `listening` while its socket exists, and the queue line comes from tern-mtad.
Under systemd, test_systemd.py checks the states systemd reports."""

import json


def test_private_instance_status(tern):
    tern.mailctl("send", "--to", "status@localhost", "--subject", "status", input="x\n")
    tern.wait_for_messages({"status": 1})
    lines = tern.mailctl("status").stdout.decode().splitlines()
    assert lines[0].split() == ["DAEMON", "STATE", "STATUS"]
    assert [line.split() for line in lines[1:4]] == [
        ["tern-submitd", "listening", "-"], ["tern-mtad", "listening", "-"], ["tern-deliverd", "listening", "-"]]
    assert lines[4] == "Queue: 0 messages"
    objects = [json.loads(line) for line in tern.mailctl("status", "--json").stdout.decode().splitlines()]
    assert objects[-1] == {"queue_messages": 0, "oldest_queue_id": None, "oldest_arrival_time": None}


def test_status_without_the_queue_manager_exits_69(tern_instance):
    res = tern_instance.mailctl("status", check=False)
    assert res.returncode == 69
    assert res.stdout.decode().splitlines()[-1] == "Queue: unavailable"
    assert "tern-mtad" in res.stderr.decode()
