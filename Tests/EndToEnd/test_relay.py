"""tern-mtad as an SMTP relay (issue 5) against real peers on loopback: Postfix as the
remote MX and as a client relaying to Tern, dnsmasq serving MX records, smtp-sink as a
failing remote, and a capture sink that checks the bytes on the wire."""

from __future__ import annotations

import email
import json
import threading
import time

import pytest

from peers import CaptureSink, Dnsmasq, Postfix, SMTPSink, free_port
from tern import TernInstance

# Local names here are not system accounts: every well-formed one has a mailbox.
BASE = """\
hostname = mail.example.test
local_domains = localhost, example.test
local_recipients = any
retry_minimum = 1
retry_maximum = 2
"""

BODY = b"Subject: dots\r\nFrom: alice@example.test\r\n\r\n.\r\n..\r\n.x\r\n. \r\nplain line\r\n"


def tern_with(conf: str) -> TernInstance:
    instance = TernInstance(conf=BASE + conf)
    instance.start_all()
    return instance


@pytest.fixture
def cleanup():
    items = []
    yield items.append
    for item in reversed(items):
        item.close()


def transport(instance_dir_conf: str, tmp_path, lines: str) -> str:
    table = tmp_path / "transport"
    table.write_text(lines)
    return instance_dir_conf + f"transport_table = {table}\n"


def submit(tern: TernInstance, rcpts: list[str], body: bytes = BODY, sender: str = "alice@example.test"):
    with tern.smtp_unix() as client:
        client.sendmail(sender, rcpts, body)


def queue_entries(tern: TernInstance) -> list[dict]:
    return [json.loads(line) for line in tern.queue_json()]


def test_postfix_as_remote_mx_gets_the_body_byte_identical(cleanup, tmp_path):
    postfix = Postfix("remote.test", ["carol"])
    cleanup(postfix)
    tern = tern_with(transport("", tmp_path, f"remote.test [127.0.0.1]:{postfix.port}\n"))
    cleanup(tern)
    submit(tern, ["carol@remote.test"])
    files = postfix.wait_for("carol", 1)
    assert len(files) == 1, postfix.log()[-2000:]
    message = email.message_from_bytes(files[0].read_bytes())
    received = message.get_all("Received")
    assert any("by mail.example.test (Tern)" in r for r in received)
    stored = files[0].read_bytes()
    assert stored.split(b"\n\n", 1)[1] == BODY.split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n")
    assert tern.wait_for_empty_queue() == []


def test_postfix_relays_to_tern_which_delivers_locally(cleanup):
    tern = tern_with("")
    cleanup(tern)
    postfix = Postfix("remote.test", [], relayhost=f"[127.0.0.1]:{tern.port}")
    cleanup(postfix)
    import smtplib
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=30) as client:
        client.sendmail("dave@remote.test", ["bob@example.test"], b"Subject: via postfix\r\n\r\nhello tern\r\n")
    assert tern.wait_for_messages({"bob": 1}, timeout=30) == {"bob": 1}, postfix.log()[-2000:]
    message = next(iter(tern.maildir("bob")))
    assert message["Subject"] == "via postfix"
    assert "postfix" in " ".join(message.get_all("Received")).lower() or "mx.remote.test" in " ".join(message.get_all("Received"))


def test_dns_mx_preference_fallback_implicit_mx_and_null_mx(cleanup):
    port = free_port()
    sinks = {ip: CaptureSink(ip, port) for ip in ("127.0.0.2", "127.0.0.3", "127.0.0.5", "127.0.0.6")}
    for sink in sinks.values():
        cleanup(sink)
    dns = Dnsmasq([
        "--mx-host=d1.test,mx1.d1.test,10", "--mx-host=d1.test,mx2.d1.test,20",
        "--host-record=mx1.d1.test,127.0.0.2", "--host-record=mx2.d1.test,127.0.0.3",
        "--mx-host=d2.test,dead.d2.test,10", "--mx-host=d2.test,live.d2.test,20",
        "--host-record=dead.d2.test,127.0.0.4", "--host-record=live.d2.test,127.0.0.5",
        "--host-record=d3.test,127.0.0.6",
        "--dns-rr=nullmx.test,15,000000", "--local=/test/",
    ])
    cleanup(dns)
    tern = tern_with(f"dns_server = {dns.server}\nremote_smtp_port = {port}\n")
    cleanup(tern)
    for rcpt in ("u@d1.test", "u@d2.test", "u@d3.test", "u@nullmx.test"):
        submit(tern, [rcpt], b"Subject: to " + rcpt.encode() + b"\r\n\r\nx\r\n")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(len(s.messages) for s in sinks.values()) < 3:
        time.sleep(0.1)
    assert len(sinks["127.0.0.2"].messages) == 1, "the preferred MX of d1.test takes it"
    assert len(sinks["127.0.0.3"].messages) == 0
    assert len(sinks["127.0.0.5"].messages) == 1, "d2.test falls back to the next MX"
    assert len(sinks["127.0.0.6"].messages) == 1, "d3.test has no MX: its A record is used"
    assert tern.wait_for_messages({"alice": 1}) == {"alice": 1}, "the null MX bounces at once"
    bounce = next(iter(tern.maildir("alice")))
    assert bounce.get_content_type() == "multipart/report"
    assert "5.1.10" in bounce.as_string()


def failing_remote(cleanup, tmp_path, options: list[str]) -> tuple[SMTPSink, TernInstance, int]:
    """smtp-sink with `options` as the MX of sink.test, a Tern routing to it, and one
    message from alice@example.test already submitted to u@sink.test."""
    port = free_port()
    sink = SMTPSink("127.0.0.1", port, options)
    cleanup(sink)
    tern = tern_with(transport("", tmp_path, f"sink.test [127.0.0.1]:{port}\n"))
    cleanup(tern)
    submit(tern, ["u@sink.test"])
    return sink, tern, port


def test_smtp_sink_soft_rejection_is_deferred_and_retried(cleanup, tmp_path):
    sink, tern, _ = failing_remote(cleanup, tmp_path, ["-r", "rcpt"])
    deadline = time.monotonic() + 20
    attempts = 0
    while time.monotonic() < deadline and attempts < 2:
        entries = queue_entries(tern)
        if entries:
            shown = tern.mailctl("queue", "show", entries[0]["queue_id"], "--json").stdout
            attempts = json.loads(shown)["attempts"]
        time.sleep(0.2)
    entries = queue_entries(tern)
    assert entries and entries[0]["recipients"][0]["state"] == "deferred"
    assert attempts >= 2, "deferred and tried again"
    assert tern.count("alice") == 0, "a 4xx is never bounced"


def test_smtp_sink_hard_rejection_after_data_bounces_once(cleanup, tmp_path):
    sink, tern, _ = failing_remote(cleanup, tmp_path, ["-f", "."])
    assert tern.wait_for_messages({"alice": 1}) == {"alice": 1}
    time.sleep(3)
    assert tern.count("alice") == 1, "exactly one bounce"
    assert tern.wait_for_empty_queue() == []


def test_connection_dropped_after_data_is_retried_with_at_most_one_duplicate(cleanup, tmp_path):
    sink, tern, port = failing_remote(cleanup, tmp_path, ["-q", "."])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(sink.messages()) < 1:
        time.sleep(0.2)
    entries = queue_entries(tern)
    assert entries and entries[0]["recipients"][0]["state"] == "deferred", "no reply after DATA: retried"
    # The sink never answers, so every retry is a possible duplicate at the receiver;
    # switch to an accepting receiver and the message leaves after exactly one more copy.
    sink.close()
    good = CaptureSink("127.0.0.1", port)
    cleanup(good)
    assert tern.wait_for_empty_queue(timeout=30) == []
    assert len(good.messages) == 1


def test_dot_stuffing_round_trip_and_only_crlf_on_the_wire(cleanup, tmp_path):
    port = free_port()
    capture = CaptureSink("127.0.0.1", port)
    cleanup(capture)
    tern = tern_with(transport("", tmp_path, f"capture.test [127.0.0.1]:{port}\n"))
    cleanup(tern)
    submit(tern, ["u@capture.test"])
    # A BDAT submission may carry bare LFs; they must leave as CRLF.
    with tern.smtp_unix() as client:
        client.ehlo("c")
        client.mail("alice@example.test")
        client.rcpt("u@capture.test")
        chunk = b"Subject: bare\r\n\r\nline one\nline two\r.lone dot line\r\n"
        client.send(b"BDAT %d LAST\r\n" % len(chunk) + chunk)
        assert client.getreply()[0] == 250
    assert tern.wait_for_empty_queue() == []
    raw = bytes(capture.raw)
    assert raw.count(b"\n") == raw.count(b"\r\n") and raw.count(b"\r") == raw.count(b"\r\n"), "no bare CR or LF"
    # The two messages are relayed independently: either may arrive first.
    [first] = [m for m in capture.messages if b"Subject: bare" not in m]
    body = first.split(b"\r\n\r\n", 1)[1]
    assert body == b"..\r\n...\r\n..x\r\n.. \r\nplain line\r\n", "dot-stuffed on the wire"
    unstuffed = b"\r\n".join(l[1:] if l.startswith(b".") else l for l in body.split(b"\r\n"))
    assert unstuffed == BODY.split(b"\r\n\r\n", 1)[1]


def test_transport_entry_gives_host_and_port_over_relayhost(cleanup, tmp_path):
    """A domain's transport table entry is its whole next hop: the relayhost's port does not
    leak into it (nothing listens on the relayhost)."""
    port = free_port()
    capture = CaptureSink("127.0.0.1", port)
    cleanup(capture)
    tern = tern_with(transport(f"relayhost = [127.0.0.1]:{free_port()}\n", tmp_path, f"capture.test [127.0.0.1]:{port}\n"))
    cleanup(tern)
    submit(tern, ["u@capture.test"])
    assert tern.wait_for_empty_queue() == []
    assert len(capture.messages) == 1


@pytest.mark.parametrize("connections", [1, 20])
def test_relay_throughput_to_smtp_sink(cleanup, tmp_path, figures, connections):
    port = free_port()
    sink = SMTPSink("127.0.0.1", port)
    cleanup(sink)
    tern = tern_with(transport(f"destination_concurrency = {connections}\ndelivery_concurrency = {max(connections, 4)}\n",
                               tmp_path, f"sink.test [127.0.0.1]:{port}\n"))
    cleanup(tern)
    count, threads = 300, 10
    start = time.monotonic()

    def client(n):
        with tern.smtp_unix() as smtp:
            for i in range(n):
                smtp.sendmail("alice@example.test", ["u@sink.test"], b"Subject: load\r\n\r\n" + (b"x" * 62 + b"\r\n") * 16)

    workers = [threading.Thread(target=client, args=(count // threads,)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert tern.wait_for_empty_queue(timeout=120) == []
    elapsed = time.monotonic() - start
    assert len(sink.messages()) >= count
    figures(f"relay to smtp-sink, {connections} connection(s): {count} messages of 1 KiB in {elapsed:.2f} s "
            f"= {count / elapsed:.1f} messages/s end to end (debug build)")


def test_too_many_received_fields_bounce_as_a_loop(cleanup, tmp_path):
    port = free_port()
    capture = CaptureSink("127.0.0.1", port)
    cleanup(capture)
    tern = tern_with(transport("hop_limit = 10\n", tmp_path, f"capture.test [127.0.0.1]:{port}\n"))
    cleanup(tern)
    looped = b"".join(b"Received: from hop%d.example by hop%d.example; Sun, 29 Nov 2026 10:00:00 +0000\r\n" % (i, i + 1) for i in range(12))
    submit(tern, ["u@capture.test"], looped + b"Subject: loop\r\n\r\nround and round\r\n")
    assert tern.wait_for_messages({"alice": 1}) == {"alice": 1}
    assert "5.4.6" in next(iter(tern.maildir("alice"))).as_string()
    assert capture.messages == []


def test_starttls_required_per_domain(cleanup, tmp_path):
    """Tern relays to a second Tern that offers STARTTLS (required for its domain), and
    refuses to send in plain text to a peer that does not offer it."""
    import subprocess
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mx.remote.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    receiver = TernInstance(conf="hostname = mx.remote.test\nlocal_domains = remote.test\nlocal_recipients = any\n"
                            "retry_minimum = 1\nretry_maximum = 2\n"
                            f"tls_certificate = {cert}\ntls_key = {key}\n")
    receiver.start_all()
    cleanup(receiver)
    port = free_port()
    plain = CaptureSink("127.0.0.1", port)
    cleanup(plain)
    sender = tern_with(transport("tls_required_domains = remote.test, plain.test\n", tmp_path,
                                 f"remote.test [127.0.0.1]:{receiver.port}\nplain.test [127.0.0.1]:{port}\n"))
    cleanup(sender)
    submit(sender, ["carol@remote.test"])
    submit(sender, ["u@plain.test"])
    assert receiver.wait_for_messages({"carol": 1}) == {"carol": 1}
    received = " ".join(next(iter(receiver.maildir("carol"))).get_all("Received"))
    assert "with ESMTPS id" in received, received
    time.sleep(2)
    assert plain.messages == []
    entries = queue_entries(sender)
    assert len(entries) == 1 and "4.7.4" in entries[0]["recipients"][0]["delay_reason"]
