"""A private Tern instance for end-to-end tests.

The three real daemons run under systemd-socket-activate (real socket activation
without PID 1), each in its own process, in a temporary TERN_ROOT. Each gets a
NOTIFY_SOCKET of its own, so the tests can see the READY=1 it sends through sd_notify.
Results are read with independent tools: smtplib, swaks, and mailbox.Maildir.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("TERN_BIN_DIR", REPO / ".build" / "debug"))

# name -> (socket names in LISTEN_FDNAMES order, socket files under run/tern)
DAEMONS = {
    "tern-deliverd": (["deliver"], ["deliver.sock"]),
    "tern-mtad": (["queue"], ["queue.sock"]),
    "tern-submitd": (["submit", "smtp"], ["submit.sock"]),
}

# Every well-formed local part has a mailbox here (no system accounts needed), so the
# pipeline tests can use any names; test_local.py runs with real accounts instead.
DEFAULT_CONF = """\
# written by Tests/EndToEnd/tern.py
hostname = mail.example.test
local_domains = localhost, example.test
local_recipients = any
retry_minimum = 1
retry_maximum = 2
"""


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UnixSMTP(smtplib.SMTP):
    """smtplib over an AF_UNIX stream socket (tern-submitd's `submit` socket)."""

    def __init__(self, path: str, timeout: float = 30.0, **kwargs):
        self.unix_path = path
        super().__init__(timeout=timeout, **kwargs)
        code, msg = self.connect()
        if code != 220:
            self.close()
            raise smtplib.SMTPConnectError(code, msg)

    def connect(self, host="localhost", port=0, source_address=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.file = None
        self.sock.connect(self.unix_path)
        return self.getreply()


class Notifier:
    """The NOTIFY_SOCKET of one daemon: a datagram socket that collects sd_notify states."""

    def __init__(self, path: Path):
        self.path = path
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.states: list[str] = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.cond:
                self.states.extend(data.decode("utf-8", "replace").splitlines())
                self.cond.notify_all()

    def wait_for(self, state: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while state not in self.states:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def close(self):
        self.sock.close()


class TernInstance:
    def __init__(self, base: Path | None = None, conf: str = DEFAULT_CONF):
        for name in [*DAEMONS, "tern-local", "mailctl"]:
            if not (BIN_DIR / name).exists():
                raise RuntimeError(f"{BIN_DIR / name} is missing: run `swift build` first")
        self.root = Path(tempfile.mkdtemp(prefix="tern-e2e-", dir=base))
        self.port = free_tcp_port()
        self.run_dir = self.root / "run" / "tern"
        self.log_dir = self.root / "log"
        for d in (self.root / "etc" / "tern", self.run_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "tern" / "tern.conf").write_text(
            conf + f"smtp_listen = 127.0.0.1:{self.port}\n")
        self.procs: dict[str, subprocess.Popen] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.starts: dict[str, int] = {}
        self.mounts: list[Path] = []
        self.env = dict(os.environ, TERN_ROOT=str(self.root))
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("LISTEN_FDS", None)

    # Paths.
    @property
    def submit_sock(self) -> str:
        return str(self.run_dir / "submit.sock")

    @property
    def queue_dir(self) -> Path:
        return self.root / "var" / "lib" / "tern" / "queue"

    def maildir_path(self, user: str) -> Path:
        return self.root / "var" / "mail" / user

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs_tail(self, lines: int = 25) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(out)

    # Daemons.
    def start(self, name: str, activate: bool = True, ready_timeout: float = 15.0,
              env: dict[str, str] | None = None) -> subprocess.Popen:
        """Starts `name` under systemd-socket-activate. With `activate`, connects once to
        its first socket (systemd-socket-activate execs the daemon only on the first
        connection, as systemd does) and waits for READY=1. `env` adds variables to the
        daemon's environment (e.g. TERN_FAILPOINT)."""
        assert name not in self.procs or self.procs[name].poll() is not None, f"{name} already running"
        fdnames, socks = DAEMONS[name]
        self.starts[name] = self.starts.get(name, 0) + 1
        notifier = Notifier(self.root / "run" / f"notify-{name}-{self.starts[name]}.sock")
        old = self.notifiers.pop(name, None)
        if old:
            old.close()
        self.notifiers[name] = notifier
        cmd = ["systemd-socket-activate"]
        for sock in socks:
            cmd += ["-l", str(self.run_dir / sock)]
        if name == "tern-submitd":
            cmd += ["-l", f"127.0.0.1:{self.port}"]
        cmd += [f"--fdname={':'.join(fdnames)}", "-E", f"TERN_ROOT={self.root}",
                "-E", f"NOTIFY_SOCKET={notifier.path}"]
        for key, value in (env or {}).items():
            cmd += ["-E", f"{key}={value}"]
        cmd.append(str(BIN_DIR / name))
        log_path = self.log_dir / f"{name}.log"
        logf = open(log_path, "ab")
        logf.write(f"=== start {self.starts[name]}: {' '.join(cmd)}\n".encode())
        logf.flush()
        offset = logf.tell()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                env=self.env, start_new_session=True)
        logf.close()
        self.procs[name] = proc
        # systemd-socket-activate logs "Listening on ADDRESS as FD." after listen(2) on
        # each; any connection before the daemon is wanted would already activate it.
        first = self.run_dir / socks[0]
        wanted = len(socks) + (1 if name == "tern-submitd" else 0)
        deadline = time.monotonic() + 10
        while True:
            with open(log_path, "rb") as f:
                f.seek(offset)
                if f.read().count(b"Listening on ") >= wanted:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not open its sockets:\n{self.logs_tail()}")
            time.sleep(0.02)
        if activate:
            self._poke(name, first)
            if not notifier.wait_for("READY=1", ready_timeout):
                raise RuntimeError(f"{name} sent no READY=1 within {ready_timeout}s "
                                   f"(states {notifier.states}):\n{self.logs_tail()}")
        return proc

    def _poke(self, name: str, path: Path):
        """One connection, so that systemd-socket-activate execs the daemon."""
        if name == "tern-submitd":
            with UnixSMTP(str(path), timeout=15) as s:
                s.noop()
        else:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(str(path))

    def start_all(self):
        for name in ("tern-deliverd", "tern-mtad", "tern-submitd"):
            self.start(name)

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 10.0):
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError(f"{name} did not exit within {timeout}s of signal {sig}")

    def stop(self, name: str, timeout: float = 10.0):
        self.kill(name, signal.SIGTERM, timeout)

    def restart(self, name: str, **kwargs):
        self.stop(name)
        return self.start(name, **kwargs)

    def vmhwm_kb(self, name: str) -> int | None:
        """Peak resident set (VmHWM) of a running daemon, in kB."""
        try:
            for line in Path(f"/proc/{self.pid(name)}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except (OSError, KeyError):
            return None
        return None

    # Clients.
    def mailctl(self, *args: str, input: bytes | str | None = None, check: bool = True,
                timeout: float = 30.0) -> subprocess.CompletedProcess:
        if isinstance(input, str):
            input = input.encode()
        stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
        res = subprocess.run([str(BIN_DIR / "mailctl"), *args], env=self.env,
                             capture_output=True, timeout=timeout, **stdin)
        if check and res.returncode != 0:
            raise AssertionError(
                f"mailctl {' '.join(args)} exited {res.returncode}\nstdout: {res.stdout!r}\n"
                f"stderr: {res.stderr!r}\n{self.logs_tail()}")
        return res

    def smtp_tcp(self, timeout: float = 30.0) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, timeout=timeout)

    def smtp_unix(self, timeout: float = 30.0) -> UnixSMTP:
        return UnixSMTP(self.submit_sock, timeout=timeout)

    def swaks(self, sender: str, rcpt: str, data: bytes, unix: bool, timeout: float = 60.0):
        """Sends `data` (a CRLF message) with swaks, which dot-stuffs it and adds the
        final CRLF.CRLF itself; hence the last line's CRLF is dropped here."""
        assert data.endswith(b"\r\n")
        fd, path = tempfile.mkstemp(prefix="swaks-", suffix=".eml", dir=self.root)
        with os.fdopen(fd, "wb") as f:
            f.write(data[:-2])
        transport = ["--socket", self.submit_sock] if unix else ["--server", f"127.0.0.1:{self.port}"]
        try:
            return subprocess.run(
                ["swaks", *transport, "--from", sender, "--to", rcpt, "--data", f"@{path}",
                 "--helo", "swaks.example.test", "--timeout", "30", "--hide-all"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        finally:
            os.unlink(path)

    # Mailboxes.
    def maildir(self, user: str) -> mailbox.Maildir | None:
        path = self.maildir_path(user)
        if not (path / "new").is_dir() or not (path / "cur").is_dir():
            return None
        return mailbox.Maildir(str(path), factory=None, create=False)

    def count(self, user: str) -> int:
        path = self.maildir_path(user)
        return sum(len([n for n in os.listdir(path / sub) if not n.startswith(".")])
                   for sub in ("new", "cur") if (path / sub).is_dir())

    def wait_for_messages(self, counts: dict[str, int], timeout: float = 60.0) -> dict[str, int]:
        """Waits until each user's Maildir holds at least the given number of messages;
        returns the counts seen last (which the caller compares)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = {user: self.count(user) for user in counts}
            if all(seen[u] >= n for u, n in counts.items()) or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)

    def queue_json(self) -> list[str]:
        res = self.mailctl("queue", "--json")
        return [line for line in res.stdout.decode().splitlines() if line.strip()]

    def wait_for_empty_queue(self, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.queue_json()
            if not lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)

    # Faults.
    def mount_readonly(self, path: Path):
        """Bind-mounts `path` read-only over itself (root only); undone by close()."""
        subprocess.run(["mount", "--bind", "-o", "ro", str(path), str(path)], check=True,
                       capture_output=True)
        self.mounts.append(path)

    def unmount(self, path: Path):
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
        if path in self.mounts:
            self.mounts.remove(path)

    def close(self):
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                print(f"{name} ignored SIGTERM for 10 s; killed")
                proc.kill()
                proc.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything it left in its session
        for notifier in self.notifiers.values():
            notifier.close()
        for path in list(self.mounts):
            self.unmount(path)
        if os.environ.get("TERN_KEEP_ROOT"):
            print(f"kept {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
