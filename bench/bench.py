#!/usr/bin/env python3
"""Tern beside Postfix on one machine: throughput, latency, memory and CPU per message.

Run through `bench/run`, which installs what is missing and builds Tern in release mode.
Both systems run on loopback only, as private instances in a scratch folder, alternately
(Tern first in odd repetitions, Postfix first in even ones) so both see the same machine.

  local-1k, local-100k  smtp-source, N messages over 10 sessions to one local mailbox;
                        time from the first connection to the last file in Maildir new/
  relay-1k              the same load for a remote domain, relayed to smtp-sink
  latency               100 messages/s paced; each message carries its send time in a
                        header, its delivery time is the inotify IN_MOVED_TO/IN_CREATE in
                        new/ (falling back to the file's mtime)
  idle                  RSS once started, and with 1,000 idle SMTP connections open

The floor (bench/floor.c, compiled here with the C compiler on PATH; skipped without
one) runs the local loads too: one process that answers SMTP and writes each message
into the Maildir, fsyncing the file and then new/, and does nothing else. It is not a
mail system: it shows what loopback SMTP and a durable Maildir delivery cost on this
machine, roughly the least any design at this durability spends, and so how much of
Tern's cost is its own.

CPU per message is user+sys time of the daemons, their live children and the children
they reaped (for Tern: tern-local helpers; for Postfix: master and every process it
started) over a load run, divided by the messages delivered.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import pwd
import resource
import shutil
import signal
import smtplib
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "EndToEnd"))
from peers import configure_postfix  # noqa: E402  (one configuration for the test and bench Postfix)
TICK = os.sysconf("SC_CLK_TCK")
USER = "bench"
# Tern's daemons and the idle-connection test need more than 1,024 descriptors; Postfix's
# programs get the limit this script started with (postfix start fails silently above it).
ORIGINAL_NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)


def postfix_limits():
    resource.setrlimit(resource.RLIMIT_NOFILE, (ORIGINAL_NOFILE[0], ORIGINAL_NOFILE[1]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(utime+stime, cutime+cstime) in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def proc_status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def new_folder(prefix: str, parent: str | Path | None) -> Path:
    """A new folder under `parent` that every user may pass through (0755): the daemons'
    and Postfix's users reach their files below it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    folder.chmod(0o755)
    return folder


def count_files(path: Path) -> int:
    try:
        return sum(1 for e in os.scandir(path) if not e.name.startswith("."))
    except FileNotFoundError:
        return 0


class Inotify:
    """Arrival times of files moved or created into one directory (Linux inotify)."""

    IN_CREATE, IN_MOVED_TO = 0x100, 0x80

    def __init__(self, directory: Path):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(directory).encode(), self.IN_CREATE | self.IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify")
        self.arrivals: dict[str, int] = {}
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            now = time.time_ns()
            offset = 0
            while offset < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode(errors="replace")
                self.arrivals.setdefault(name, now)
                offset += 16 + length

    def close(self):
        os.close(self.fd)


# ---------------------------------------------------------------------------- systems

class Tern:
    name = "tern"
    DAEMONS = {"tern-deliverd": (["deliver"], ["deliver.sock"]), "tern-mtad": (["queue"], ["queue.sock"]),
               "tern-submitd": (["submit", "smtp"], ["submit.sock"])}

    def __init__(self, bin_dir: Path, work: Path, sink_port: int, extra: str = ""):
        self.bin = bin_dir
        self.root = work / "tern"
        self.port = free_port()
        run = self.root / "run" / "tern"
        for d in (self.root / "etc" / "tern", run, self.root / "log"):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "tern" / "tern.conf").write_text(
            "hostname = bench.localhost\nlocal_domains = localhost, bench.localhost\n"
            f"smtp_listen = 127.0.0.1:{self.port}\nsmtp_client_connection_limit = 2000\n"
            f"smtp_connection_limit = 2000\nrelayhost = [127.0.0.1]:{sink_port}\n"
            "retry_minimum = 1\nretry_maximum = 2\n" + extra)
        # Made before the daemons make var/ (0700 otherwise). The mailbox belongs to the
        # system account `bench`: tern-local writes as its owner.
        self.maildir = self.root / "var" / "mail" / USER
        for path in (self.maildir, *(self.maildir / s for s in ("tmp", "new", "cur"))):
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o700)
            shutil.chown(path, USER, USER)
        self.procs: dict[str, subprocess.Popen] = {}
        env = dict(os.environ, TERN_ROOT=str(self.root))
        for key in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            env.pop(key, None)
        try:
            self._start(env, run)
        except Exception:
            self.close()
            raise

    def _start(self, env: dict, run: Path):
        for name, (fdnames, socks) in self.DAEMONS.items():
            cmd = ["systemd-socket-activate"]
            for sock in socks:
                cmd += ["-l", str(run / sock)]
            if name == "tern-submitd":
                cmd += ["-l", f"127.0.0.1:{self.port}"]
            cmd += [f"--fdname={':'.join(fdnames)}", "-E", f"TERN_ROOT={self.root}", str(self.bin / name)]
            with open(self.root / "log" / f"{name}.log", "ab") as log:
                self.procs[name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                                    start_new_session=True)
            # systemd-socket-activate execs the daemon on the first connection; the socket
            # file appears at bind(2), a moment before listen(2).
            path = run / socks[0]
            deadline = time.monotonic() + 10
            while True:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    try:
                        s.connect(str(path))
                    except (FileNotFoundError, ConnectionRefusedError):
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"{name} did not open {path}")
                        time.sleep(0.02)
                        continue
                    if name == "tern-submitd":
                        s.settimeout(10)
                        s.recv(512)
                    break
        time.sleep(0.3)

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.procs.items()}

    def cpu_ticks(self) -> int:
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[str, int]:
        # A daemon's share includes its tern-local helpers: the running ones in their own
        # counters, the ones it reaped in its cutime+cstime.
        return {name: sum(sum(proc_stat(p) or (0, 0)) for p in (pid, *children(pid))) for name, pid in self.pids().items()}

    def rss_kb(self, key: str = "VmRSS") -> dict[str, int]:
        return {name: proc_status_kb(pid, key) for name, pid in self.pids().items()}

    def queue_empty(self) -> bool:
        queue = self.root / "var" / "lib" / "tern" / "queue"
        return not queue.is_dir() or not any(p.is_file() for p in queue.rglob("*") if "corrupt" not in p.parts)

    def close(self):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()




class Postfix:
    """A private Postfix (Debian's package, default fsync behaviour) on a loopback port:
    `*@localhost` goes into Maildirs under mail/ through virtual(8), the rest to smtp-sink."""
    name = "postfix"

    def __init__(self, work: Path, sink_port: int):
        self.dir = work / "postfix"
        self.dir.mkdir()
        self.dir.chmod(0o755)
        self.port = free_port()
        self.conf, mail = configure_postfix(self.dir, self.port, "localhost", [USER], "bench.localhost",
                                            f"[127.0.0.1]:{sink_port}")
        started = subprocess.run(["postfix", "-c", str(self.conf), "start"], capture_output=True, text=True,
                                 preexec_fn=postfix_limits)
        if started.returncode != 0:
            raise RuntimeError(f"postfix start: {started.stdout} {started.stderr} {(self.dir / 'maillog').read_text() if (self.dir / 'maillog').exists() else ''}")
        wait_for_port(self.port)
        self.maildir = mail / USER
        for sub in ("tmp", "new", "cur"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        for path in (self.maildir, *(self.maildir / s for s in ("tmp", "new", "cur"))):
            shutil.chown(path, "nobody", "nogroup")
        self.master = int((self.dir / "spool" / "pid" / "master.pid").read_text().split()[0])

    def pids(self) -> dict[str, int]:
        return {"master": self.master, **{f"child-{pid}": pid for pid in children(self.master)}}

    def cpu_ticks(self) -> int:
        # Children the master reaped count in its cutime+cstime; live ones in their own.
        total = 0
        for name, pid in self.pids().items():
            stat = proc_stat(pid)
            if stat:
                total += stat[0] + (stat[1] if name == "master" else 0)
        return total

    def rss_kb(self, key: str = "VmRSS") -> dict[str, int]:
        return {"sum": sum(proc_status_kb(pid, key) for pid in self.pids().values()),
                "largest": max(proc_status_kb(pid, key) for pid in self.pids().values())}

    def queue_empty(self) -> bool:
        spool = self.dir / "spool"
        return not any(p.is_file() for d in ("incoming", "active", "deferred", "maildrop") for p in (spool / d).rglob("*"))

    def close(self):
        subprocess.run(["postfix", "-c", str(self.conf), "stop"], capture_output=True, preexec_fn=postfix_limits)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{self.master}").exists():
            time.sleep(0.1)


class Floor:
    """bench/floor.c on a loopback port, delivering into its own Maildir."""
    name = "floor"
    scenarios = ("local-1k", "local-100k")

    def __init__(self, work: Path, program: Path):
        self.port = free_port()
        self.maildir = work / "floor"
        self.proc = subprocess.Popen([str(program), str(self.port), str(self.maildir)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def cpu_ticks(self) -> int:
        return sum(proc_stat(self.proc.pid) or (0, 0))

    def rss_kb(self, key: str = "VmRSS") -> dict[str, int]:
        return {"floor": proc_status_kb(self.proc.pid, key)}

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)

    @staticmethod
    def build(folder: Path) -> Path | None:
        """Compiles bench/floor.c into `folder` with the C compiler on PATH; None without one."""
        compiler = next((c for c in ("cc", "clang", "gcc") if shutil.which(c)), None)
        if compiler is None:
            print("no C compiler on PATH (cc, clang or gcc): the floor is not measured", file=sys.stderr)
            return None
        program = folder / "floor"
        subprocess.run([compiler, "-O2", "-pthread", "-o", str(program), str(REPO / "bench" / "floor.c")], check=True)
        return program


class Sink:
    """smtp-sink on a loopback port dumping each transaction into a tmpfs folder."""

    def __init__(self, work: Path):
        self.port = free_port()
        self.dumps = new_folder("tern-bench-sink-", "/dev/shm" if os.path.isdir("/dev/shm") else None)
        shutil.chown(self.dumps, "nobody", "nogroup")
        self.proc = subprocess.Popen(["smtp-sink", "-u", "nobody", "-d", f"{self.dumps}/%H%M%S.", f"127.0.0.1:{self.port}", "512"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=postfix_limits)
        wait_for_port(self.port)

    def count(self) -> int:
        return count_files(self.dumps)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dumps, ignore_errors=True)


# -------------------------------------------------------------------------- scenarios

class Sampler:
    """Samples the summed RSS of a system's processes every 50 ms; keeps the peak."""

    def __init__(self, system):
        self.system, self.peak, self.stop = system, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.05):
            for key, kb in self.system.rss_kb().items():
                self.peak[key] = max(self.peak.get(key, 0), kb)

    def close(self) -> dict[str, int]:
        self.stop.set()
        self.thread.join()
        return self.peak


def smtp_source(port: int, messages: int, size: int, rcpt: str, sessions: int = 10) -> list[str]:
    """The smtp-source command line of every load: `messages` messages of `size` octets to
    `rcpt` over `sessions` sessions, one message per connection."""
    return ["smtp-source", "-s", str(sessions), "-m", str(messages), "-l", str(size), "-f", "sender@bench.localhost",
            "-t", rcpt, "-M", "client.localhost", f"127.0.0.1:{port}"]


def load(system, sink: Sink | None, messages: int, size: int, relay: bool, timeout: float) -> dict:
    """smtp-source at full speed; returns throughput and CPU per message."""
    target = sink.count if relay else (lambda: count_files(system.maildir / "new"))
    before = target()
    rcpt = f"{USER}@remote.test" if relay else f"{USER}@localhost"
    sampler = Sampler(system)
    split0 = system.cpu_by_process() if system.name == "tern" else {}
    cpu0, t0 = system.cpu_ticks(), time.monotonic()
    source = subprocess.run(smtp_source(system.port, messages, size, rcpt), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, timeout=timeout, preexec_fn=postfix_limits)
    accepted = time.monotonic() - t0
    deadline = t0 + timeout
    while target() - before < messages and time.monotonic() < deadline:
        time.sleep(0.02)
    elapsed = time.monotonic() - t0
    done = target() - before
    cpu = system.cpu_ticks() - cpu0
    split = {name: round((ticks - split0.get(name, 0)) * 1000 / TICK / max(done, 1), 3)
             for name, ticks in (system.cpu_by_process().items() if split0 else [])}
    peak = sampler.close()
    if done < messages:
        print(f"  {system.name}: only {done} of {messages} arrived in {timeout:.0f} s; smtp-source said "
              f"{source.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
    return {"messages": done, "seconds": round(elapsed, 3), "accepted_seconds": round(accepted, 3),
            "per_second": round(done / elapsed, 1), "cpu_ms_per_message": round(cpu * 1000 / TICK / max(done, 1), 3),
            "cpu_ms_per_message_by_daemon": split, "peak_rss_kb": peak}


def latency(system, messages: int, rate: float = 100.0, senders: int = 4) -> dict:
    """Paced submissions over `senders` connections; send time to arrival in new/."""
    new = system.maildir / "new"
    try:
        watch = Inotify(new)
    except OSError:
        watch = None
    schedule = iter(range(messages))
    lock = threading.Lock()
    t0 = time.monotonic() + 0.2
    stamps: dict[int, int] = {}
    body = b"x" * 76 + b"\r\n"

    def sender():
        with smtplib.SMTP("127.0.0.1", system.port, timeout=60) as smtp:
            smtp.ehlo("client.localhost")
            while True:
                with lock:
                    i = next(schedule, None)
                if i is None:
                    return
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                stamp = time.time_ns()
                stamps[i] = stamp
                smtp.sendmail("sender@bench.localhost", [f"{USER}@localhost"],
                              b"X-Bench-Stamp: %d %d\r\nSubject: latency\r\n\r\n" % (i, stamp) + body * 12)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 60
    while count_files(new) < messages and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    latencies = []
    for entry in os.scandir(new):
        with open(entry.path, "rb") as f:
            head = f.read(4096)
        at = head.find(b"X-Bench-Stamp: ")
        if at < 0:
            continue
        stamp = int(head[at:].split(b"\n", 1)[0].split()[2])
        arrived = watch.arrivals.get(entry.name) if watch else None
        latencies.append(((arrived or entry.stat().st_mtime_ns) - stamp) / 1e6)
    if watch:
        watch.close()
    latencies.sort()
    if not latencies:
        return {"messages": 0}
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)
    return {"messages": len(latencies), "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": round(latencies[-1], 2),
            "clock": "inotify" if watch else "mtime"}


def idle(system, connections: int) -> dict:
    """RSS when idle, then with `connections` SMTP connections open (greeting read or not)."""
    time.sleep(0.5)
    before = system.rss_kb()
    socks = []
    try:
        for _ in range(connections):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", system.port))
            except OSError:  # the listen backlog is full (Postfix: smtpd process limit)
                s.close()
                break
            socks.append(s)
        time.sleep(2.0)
        with_connections = system.rss_kb()
    finally:
        for s in socks:
            s.close()
    return {"idle_rss_kb": before, "connections": len(socks), "rss_kb_with_connections": with_connections}


# ------------------------------------------------------------------------------- main

def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = proc_status_kb(os.getpid(), "VmRSS") and next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                                                      if l.startswith("MemTotal"))
    fs = subprocess.run(["df", "-T", str(REPO)], capture_output=True, text=True).stdout.splitlines()[-1].split()
    postfix = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "postfix"], capture_output=True, text=True).stdout
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem // 1024, "kernel": platform.release(),
            "filesystem": fs[1] if len(fs) > 1 else "?", "postfix": postfix, "swift": swift[0] if swift else "?",
            "loadavg_at_start": os.getloadavg(), "hostname": socket.gethostname()}


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def ensure_user():
    """The local recipient: a system account, as for any local delivery."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=True)


def runs_folder() -> Path:
    """The folder the runs' folders go in; removed only after the last run.

    ext4 without a journal, as on the development machine, skips inodes freed in the last
    60 s (360 s while their inode table block is dirty) when it allocates one
    (fs/ext4/ialloc.c, recently_deleted), and scans past each of them on every create:
    about 600 µs per create was measured after thousands of removals, 20 µs in a quiet
    block group. So one system's removals must not bill the other's creates:
    - every run gets a block group of its own, as a rule: this folder carries the ext4 "top
      of a directory hierarchy" flag (chattr +T), so Orlov allocation spreads the run
      folders over the groups instead of stacking them all into one;
    - no run's folder is removed before the last run.
    Each system still pays for what it removes itself during its own run (Postfix, a queue
    file per message).
    """
    parent = new_folder("tern-bench-", "/var/tmp")
    try:
        spread = subprocess.run(["chattr", "+T", str(parent)], capture_output=True, text=True)
        problem = spread.stderr.strip() if spread.returncode != 0 else ""
    except FileNotFoundError:
        problem = "chattr is not installed (e2fsprogs)"
    if problem:
        print(f"chattr +T {parent}: {problem}; run folders may share a block group", file=sys.stderr)
    return parent


def run_once(name: str, scenario: str, parent: Path, args, messages: int, paced: int) -> dict:
    """One scenario on a fresh instance of one system, in its own folder under `parent`.
    The earlier runs' dirty pages are written out first (sync(2)), so that no run pays for
    the writeback of another system's files and removals."""
    os.sync()
    work = new_folder(f"{name}-", parent)
    sink = Sink(work) if name != "floor" else None
    system = None
    try:
        if name == "floor":
            system = Floor(work, args.floor)
        elif name == "tern":
            system = Tern(args.bin, work, sink.port, args.tern_conf.replace("\\n", "\n") + "\n")
        else:
            system = Postfix(work, sink.port)
        if scenario.startswith(("local", "relay")):
            size = 1024 if scenario.endswith("1k") else 102400
            res = load(system, sink, messages, size, scenario.startswith("relay"), timeout=300)
        elif scenario == "latency":
            res = latency(system, paced)
        else:
            res = idle(system, 1000)
        res["peak_rss_kb_vmhwm"] = system.rss_kb("VmHWM")
        return res
    finally:
        if system:
            system.close()
        if sink:
            sink.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, required=True, help="folder of the release binaries")
    parser.add_argument("--quick", action="store_true", help="400 messages, 1 repetition, 300 latency samples")
    parser.add_argument("--repetitions", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--only", choices=["tern", "postfix", "floor"])
    parser.add_argument("--scenarios", default="local-1k,local-100k,relay-1k,latency,idle")
    parser.add_argument("--tern-conf", default="", help="extra tern.conf lines (experiments; \\n separated)")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/DATE-HOST.json)")
    ensure_user()
    args = parser.parse_args()
    reps = args.repetitions or (1 if args.quick else 3)
    messages = args.messages or (400 if args.quick else 2000)
    paced = 300 if args.quick else 1000
    scenarios = args.scenarios.split(",")
    hard = ORIGINAL_NOFILE[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192 if hard == resource.RLIM_INFINITY else min(8192, hard), hard))
    systems = [s for s in ("tern", "postfix", "floor") if args.only in (None, s)]
    parent = runs_folder()
    try:
        if "floor" in systems:
            args.floor = Floor.build(parent) if set(scenarios) & set(Floor.scenarios) else None
            if args.floor is None:
                systems.remove("floor")
        results: dict[str, dict[str, list]] = {s: {} for s in systems}
        for rep in range(reps):
            order = systems if rep % 2 == 0 else list(reversed(systems))
            for scenario in scenarios:
                for name in order:
                    if name == "floor" and scenario not in Floor.scenarios:
                        continue
                    res = run_once(name, scenario, parent, args, messages, paced)
                    results[name].setdefault(scenario, []).append(res)
                    brief = {k: v for k, v in res.items() if k in ("per_second", "cpu_ms_per_message", "p50_ms", "p99_ms")}
                    print(f"rep {rep + 1}/{reps} {scenario:10} {name:7} {brief or res.get('rss_kb_with_connections')}", file=sys.stderr)
    finally:
        if not os.environ.get("TERN_BENCH_KEEP"):
            shutil.rmtree(parent, ignore_errors=True)
            # Written out now, the removals slow the creates of what runs next for about 60 s
            # (runs_folder); left dirty, for up to 360 s.
            os.sync()
    summary = summarize(results, systems)
    print_table(summary, systems, messages, reps)
    out = args.out or REPO / "bench" / "results" / f"{time.strftime('%Y%m%d-%H%M%S')}-{socket.gethostname()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "messages": messages, "repetitions": reps, "quick": args.quick,
                               "summary": summary, "runs": results}, indent=1) + "\n")
    print(f"\nJSON: {out}")
    return 0


def summarize(results, systems) -> dict:
    rows = {}

    def put(row, name, values):
        rows.setdefault(row, {})[name] = median(values)

    for name in systems:
        r = results[name]
        for scenario in ("local-1k", "local-100k", "relay-1k"):
            if scenario in r:
                put(f"{scenario} messages/s", name, [x["per_second"] for x in r[scenario]])
                put(f"{scenario} CPU ms/message", name, [x["cpu_ms_per_message"] for x in r[scenario]])
        if "latency" in r:
            put("latency p50 ms (100/s)", name, [x.get("p50_ms") for x in r["latency"]])
            put("latency p99 ms (100/s)", name, [x.get("p99_ms") for x in r["latency"]])
        peaks: dict[str, list] = {}
        for runs in (r.values() if name != "floor" else []):  # the floor's memory is not compared
            for x in runs:
                for key, kb in x.get("peak_rss_kb_vmhwm", {}).items():
                    if name == "postfix" and key != "sum":
                        continue
                    peaks.setdefault(key, []).append(kb)
                for key, kb in x.get("peak_rss_kb", {}).items():
                    if name == "postfix" and key == "sum":
                        peaks.setdefault("sum", []).append(kb)
        for key, kbs in peaks.items():
            rows.setdefault(f"peak RSS MiB {'postfix (sum)' if name == 'postfix' else key}", {})[name] = round(max(kbs) / 1024, 1)
        if "idle" in r:
            for key in r["idle"][0]["idle_rss_kb"]:
                label = "postfix (sum)" if name == "postfix" and key == "sum" else key
                if name == "postfix" and key != "sum":
                    continue
                put(f"idle RSS MiB {label}", name, [x["idle_rss_kb"][key] / 1024 for x in r["idle"]])
                put(f"RSS MiB, 1000 idle conns, {label}", name, [x["rss_kb_with_connections"][key] / 1024 for x in r["idle"]])
    return rows


def print_table(rows, systems, messages, reps):
    print(f"\n{messages} messages per load run, 10 sessions; medians of {reps} repetition(s)\n")
    ratios = [other for other in ("postfix", "floor") if "tern" in systems and other in systems]
    header = f"{'measure':44} " + " ".join(f"{s:>10}" for s in systems) + "".join(f"  {'tern/' + o:>12}" for o in ratios)
    print(header)
    print("-" * len(header))
    for row, values in rows.items():
        cells = " ".join(f"{values.get(s) if values.get(s) is not None else '-':>10}" for s in systems)
        shown = ""
        for other in ratios:
            ratio = f"{values['tern'] / values[other]:.2f}" if values.get("tern") and values.get(other) else ""
            shown += f"  {ratio:>12}"
        print(f"{row:44} {cells}{shown.rstrip()}")


if __name__ == "__main__":
    sys.exit(main())
