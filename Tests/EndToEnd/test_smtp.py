"""tern-submitd against real clients and hostile input (issue 3): the scripted dialogues
over a real socket, the smuggling endings, an open-relay probe, STARTTLS and AUTH with
smtplib and swaks, submission header fix-ups, and 1,000 idle connections."""

from __future__ import annotations

import base64
import hashlib
import os
import resource
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

from dialogue import Dialogue, all_dialogues, run
from tern import TernInstance

# The same settings the dialogues' `# daemon: yes` files assume: loopback is NOT a relay
# network here, so the TCP client is an ordinary remote client; every well-formed local
# part is a recipient (the Swift harness's `users=any`; unknown users are refused in
# test_local.py, with real accounts).
MX_CONF = """\
hostname = mx.example.org
local_domains = example.org, localhost
local_recipients = any
relay_networks = 192.0.2.0/24
message_size_limit = 1000000
recipient_limit = 100
smtp_error_limit = 50
retry_minimum = 1
retry_maximum = 2
"""


@pytest.fixture
def mx():
    instance = TernInstance(conf=MX_CONF)
    instance.start_all()
    yield instance
    instance.close()


@pytest.fixture
def tls_instance(tmp_path):
    """A Tern with a self-signed certificate and one credential: alice / secret."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=mx.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", b"secret", salt, 210_000)
    credentials = tmp_path / "credentials"
    credentials.write_text("# user:pbkdf2-sha256$rounds$salt$hash\nalice:pbkdf2-sha256$210000$"
                           f"{base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}\n")
    instance = TernInstance(conf=MX_CONF + f"tls_certificate = {cert}\ntls_key = {key}\n"
                            f"smtp_credentials = {credentials}\n")
    instance.start_all()
    yield instance
    instance.close()


def connect(instance: TernInstance) -> socket.socket:
    return socket.create_connection(("127.0.0.1", instance.port), timeout=30)


@pytest.mark.parametrize("dialogue", [d for d in all_dialogues() if d.daemon], ids=lambda d: d.name)
def test_dialogue_against_the_daemon(mx, dialogue: Dialogue):
    with connect(mx) as sock:
        run(dialogue, sock)


SMUGGLING_ENDINGS = [b"\n.\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n",
                     b"\r\n.\r", b"\r\n\x00.\r\n", b".\r\r\n"]


@pytest.mark.parametrize("ending", SMUGGLING_ENDINGS, ids=repr)
def test_smuggling_ending_never_makes_a_second_message(mx, ending: bytes):
    smuggled = (b"MAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                b"Subject: smuggled\r\n\r\npay now\r\n")
    with connect(mx) as sock:
        f = sock.makefile("rb")
        f.readline()
        sock.sendall(b"EHLO out.example.com\r\nMAIL FROM:<alice@example.com>\r\n"
                     b"RCPT TO:<bob@example.org>\r\nDATA\r\n")
        sock.sendall(b"Subject: ordinary\r\n\r\nsee you" + ending + smuggled + b".\r\nQUIT\r\n")
        replies = [line for line in f.read().split(b"\r\n") if line[:3].isdigit() and line[3:4] == b" "]
    queued = [r for r in replies if b"queued as" in r]
    assert len(queued) <= 1, replies
    time.sleep(0.5)
    box = mx.maildir("bob")
    messages = list(box) if box is not None else []
    assert len(messages) == len(queued)
    assert not any(m["Subject"] == "smuggled" for m in messages)


def test_open_relay_probe_accepts_nothing(mx):
    """About 20 address forms for other domains from a client outside the relay networks."""
    forms = ["victim@elsewhere.example", "victim%elsewhere.example@example.org",
             "elsewhere.example!victim@example.org", '"victim@elsewhere.example"@example.org',
             "@example.org:victim@elsewhere.example", "victim@elsewhere.example.",
             "victim@[192.0.2.1]", "victim@[127.0.0.1]", "victim@[IPv6:::1]", "victim@ELSEWHERE.EXAMPLE",
             "victim@elsewhere.example@example.org", '"victim%elsewhere.example"@example.org',
             "victim%elsewhere.example", "@elsewhere.example,@example.org:victim@elsewhere.example",
             "victim@sub.example.org", "victim@example.org.elsewhere.example", '"victim"@elsewhere.example',
             "victim::elsewhere.example@example.org", "victim@example.org.", "victim@localhost.elsewhere.example"]
    accepted = []
    with mx.smtp_tcp() as client:
        client.ehlo("spammer.example.net")
        for form in forms:
            client.rset()
            client.mail("spam@example.net")
            code, _ = client.docmd(f"RCPT TO:<{form}>")
            if code == 250:
                accepted.append(form)
    assert accepted == []


def test_starttls_and_login_with_smtplib_then_relay(tls_instance):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with tls_instance.smtp_tcp() as client:
        client.ehlo("client.example.com")
        assert client.has_extn("starttls") and not client.has_extn("auth")
        client.starttls(context=context)
        client.ehlo("client.example.com")
        assert "PLAIN" in client.esmtp_features["auth"]
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("alice", "wrong")
        client.login("alice", "secret")
        refused = client.sendmail("alice@example.org", ["bob@example.org", "friend@elsewhere.example"],
                                  b"Subject: over TLS\r\n\r\nhello\r\n")
        assert refused == {}
    assert tls_instance.wait_for_messages({"bob": 1}) == {"bob": 1}
    message = next(iter(tls_instance.maildir("bob")))
    assert "with ESMTPSA id" in message["Received"]
    assert message["Date"] and message["Message-ID"], "an authenticated submission gets Date and Message-ID"


def test_swaks_starttls_auth_plain(tls_instance):
    result = subprocess.run(
        ["swaks", "--server", f"127.0.0.1:{tls_instance.port}", "--tls", "--auth", "PLAIN",
         "--auth-user", "alice", "--auth-password", "secret", "--from", "alice@example.org",
         "--to", "bob@example.org", "--helo", "swaks.example.test", "--hide-all"],
        capture_output=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert tls_instance.wait_for_messages({"bob": 1}) == {"bob": 1}


def test_unauthenticated_client_cannot_relay_and_auth_needs_tls(tls_instance):
    with tls_instance.smtp_tcp() as client:
        client.ehlo("client.example.com")
        code, _ = client.docmd("AUTH PLAIN " + base64.b64encode(b"\0alice\0secret").decode())
        assert code == 538
        client.mail("alice@example.org")
        code, _ = client.rcpt("friend@elsewhere.example")
        assert code == 554


def test_submission_gets_date_and_message_id_relay_does_not(mx):
    body = b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: no ids\r\n\r\nhello\r\n"
    with mx.smtp_unix() as client:
        client.sendmail("alice@example.org", ["bob@example.org"], body)
    with mx.smtp_tcp() as client:
        client.sendmail("alice@example.org", ["carol@example.org"], body)
    assert mx.wait_for_messages({"bob": 1, "carol": 1}) == {"bob": 1, "carol": 1}
    submitted = next(iter(mx.maildir("bob")))
    relayed = next(iter(mx.maildir("carol")))
    assert submitted["Date"] and submitted["Message-ID"].endswith("@mx.example.org>")
    assert relayed["Date"] is None and relayed["Message-ID"] is None


def test_unix_socket_swaks_and_smtplib(mx):
    result = mx.swaks("alice@example.org", "bob@example.org", b"Subject: swaks\r\n\r\nhi\r\n", unix=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with mx.smtp_unix() as client:
        client.sendmail("alice@example.org", ["bob@example.org"], b"Subject: smtplib\r\n\r\nhi\r\n")
    assert mx.wait_for_messages({"bob": 2}) == {"bob": 2}


def test_thousand_idle_connections_do_not_block_a_client(figures):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 8192), max(hard, 8192)))
    instance = TernInstance(conf=MX_CONF + "smtp_client_connection_limit = 2000\n")
    instance.start_all()
    idle = []
    try:
        rss_before = instance.vmhwm_kb("tern-submitd")
        for _ in range(1000):
            sock = socket.create_connection(("127.0.0.1", instance.port), timeout=30)
            idle.append(sock)
        for sock in idle:
            assert sock.recv(512).startswith(b"220")
        start = time.monotonic()
        with instance.smtp_tcp() as client:
            client.sendmail("alice@example.org", ["bob@example.org"], b"Subject: busy\r\n\r\nhi\r\n")
        elapsed = time.monotonic() - start
        rss = instance.vmhwm_kb("tern-submitd")
        figures(f"idle connections: 1000 open, a normal submission took {elapsed:.3f} s; "
                f"tern-submitd peak RSS {rss_before} kB before, {rss} kB with 1000 idle connections")
        assert elapsed < 2.0
        assert rss < 200_000
    finally:
        for sock in idle:
            sock.close()
        instance.close()
