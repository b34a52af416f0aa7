"""Real peers for the relay tests, all on loopback: a private Postfix instance (Debian's
package) with Maildir delivery, Postfix's smtp-sink as a failing remote, dnsmasq as the
test DNS server, and a capture sink that records the exact bytes on the wire."""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path

MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def configure_postfix(directory: Path, port: int, domain: str, users: list[str], hostname: str,
                      relayhost: str | None) -> tuple[Path, Path]:
    """Writes a private Postfix's configuration into `directory` (conf/, spool/, data/, mail/,
    maillog): it listens on 127.0.0.1:port, delivers `USER@domain` for each of `users` into
    the Maildir mail/USER/ through virtual(8) as nobody, and relays the rest to `relayhost`.
    Returns (conf, mail); the bench's Postfix is configured by the same function."""
    conf, mail = directory / "conf", directory / "mail"
    for d in (conf, directory / "spool", directory / "data", mail):
        d.mkdir()
    shutil.chown(directory / "data", "postfix")
    shutil.chown(mail, "nobody", "nogroup")
    (conf / "main.cf").write_text(f"""\
compatibility_level = 3.7
queue_directory = {directory}/spool
data_directory = {directory}/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = {hostname}
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = {directory}/maillog
maillog_file_prefixes = {directory}
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {mail}
virtual_mailbox_maps = texthash:{conf}/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtputf8_enable = no
{f"relayhost = {relayhost}" if relayhost else ""}
""")
    (conf / "vmailbox").write_text("".join(f"{u}@{domain} {u}/\n" for u in users))
    (conf / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{port}"))
    return conf, mail


class Postfix:
    """A private Postfix on 127.0.0.1:port that delivers `*@domain` into Maildirs under
    `mail/USER/` and relays everything else to `relayhost`."""

    def __init__(self, domain: str, users: list[str], relayhost: str | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="tern-postfix-", dir="/tmp"))
        self.dir.chmod(0o755)  # Postfix's own user must reach its data directory.
        self.port = free_port()
        self.conf, self.mail = configure_postfix(self.dir, self.port, domain, users, f"mx.{domain}", relayhost)
        subprocess.run(["postfix", "-c", str(self.conf), "start"], check=True, capture_output=True)
        wait_for_port("127.0.0.1", self.port)

    def maildir(self, user: str) -> list[Path]:
        new = self.mail / user / "new"
        return sorted(new.iterdir()) if new.is_dir() else []

    def wait_for(self, user: str, count: int, timeout: float = 30) -> list[Path]:
        deadline = time.monotonic() + timeout
        while len(self.maildir(user)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.maildir(user)

    def log(self) -> str:
        path = self.dir / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self):
        subprocess.run(["postfix", "-c", str(self.conf), "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class SMTPSink:
    """Postfix's smtp-sink on host:port; each transaction dumped to a file in `dumps`."""

    def __init__(self, host: str, port: int, options: list[str] | None = None):
        self.dumps = Path(tempfile.mkdtemp(prefix="tern-sink-", dir="/tmp"))
        self.dumps.chmod(0o755)
        shutil.chown(self.dumps, "nobody", "nogroup")
        self.proc = subprocess.Popen(
            ["smtp-sink", "-u", "nobody", "-d", f"{self.dumps}/%H%M%S.", *(options or []), f"{host}:{port}", "256"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(host, port)

    def messages(self) -> list[Path]:
        return [p for p in self.dumps.iterdir() if p.is_file()]

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dumps, ignore_errors=True)


class Dnsmasq:
    """dnsmasq answering only from its command line, on 127.0.0.1:port."""

    def __init__(self, records: list[str]):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon", "--bind-interfaces",
             "--listen-address=127.0.0.1", f"--port={self.port}", "--user=nobody", "--log-queries=extra",
             "--log-facility=-", *records],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class CaptureSink:
    """A minimal SMTP receiver (RFC 5321 replies, PIPELINING, 8BITMIME) that records every
    byte the client sends, to check what goes on the wire."""

    def __init__(self, host: str, port: int, extensions: tuple[str, ...] = ("PIPELINING", "8BITMIME")):
        self.raw = bytearray()
        self.messages: list[bytes] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 capture ESMTP\r\n")
                in_data, data = False, bytearray()
                while line := self.rfile.readline():
                    sink.raw += line
                    if in_data:
                        if line == b".\r\n":
                            in_data = False
                            sink.messages.append(bytes(data))
                            data.clear()
                            self.wfile.write(b"250 2.0.0 captured\r\n")
                        else:
                            data += line
                        continue
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.wfile.write(("250-capture\r\n" + "".join(f"250-{e}\r\n" for e in extensions) + "250 OK\r\n").encode())
                    elif verb == b"DATA":
                        in_data = True
                        self.wfile.write(b"354 go\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 2.0.0 ok\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server((host, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for_port(host: str, port: int, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port}")
