"""Storage faults on the acceptance path (reference/reliability.md #13, #16, #17): a full
queue file system answers 452 4.3.1 and accepts again by itself once space is freed, on a
local file system and on a network one (FUSE), whose free-space check tern-mtad makes off
its event loop; fsync, rename or close failing (injected with strace) never yields a 250
and leaves no file; a failed fsync is never repeated on the same descriptor."""

import os
import re
import shutil
import smtplib
import subprocess
import time
from pathlib import Path

import pytest

from tern import DEFAULT_CONF, TernInstance

# These tests are about the queue file. With direct delivery (the default) a small message
# for a local recipient reaches its Maildir without one, so the faults would never be met.
pytestmark = pytest.mark.tern_conf("direct_delivery = no\n")

MESSAGE = b"From: a@example.test\r\nTo: dora@localhost\r\nSubject: fault\r\n\r\nbody\r\n"


def send(tern, data=MESSAGE):
    """(code, text) of the first refusal, or of DATA when everything was accepted."""
    with tern.smtp_tcp() as client:
        client.ehlo("client.example.test")
        for call in (lambda: client.mail("a@example.test"), lambda: client.rcpt("dora@localhost"),
                     lambda: client.data(data)):
            try:
                code, text = call()
            except smtplib.SMTPResponseException as e:
                code, text = e.smtp_code, e.smtp_error
            if code != 250:
                return code, text
    return code, text


@pytest.fixture
def small_queue():
    """An instance whose queue is an 8 MiB tmpfs with a 1 MiB free-space reserve."""
    tern = TernInstance(conf=DEFAULT_CONF + "queue_minimum_free = 1048576\ndirect_delivery = no\n")
    tern.queue_dir.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(tern.queue_dir)],
                             capture_output=True)
    if mounted.returncode != 0:
        tern.close()
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr!r}")
    tern.mounts.append(tern.queue_dir)
    yield tern
    tern.close()


@pytest.fixture
def fuse_queue(tmp_path):
    """An instance whose queue is a FUSE file system (bindfs) over an 8 MiB tmpfs, with a
    1 MiB free-space reserve: a file system tern-mtad must treat as remote."""
    if shutil.which("bindfs") is None or not os.path.exists("/dev/fuse"):
        pytest.skip("needs bindfs and /dev/fuse")
    tern = TernInstance(conf=DEFAULT_CONF + "queue_minimum_free = 1048576\ndirect_delivery = no\n")
    backing = tmp_path / "backing"
    backing.mkdir()
    tern.queue_dir.mkdir(parents=True)
    for command in (["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(backing)],
                    ["bindfs", str(backing), str(tern.queue_dir)]):
        mounted = subprocess.run(command, capture_output=True)
        if mounted.returncode != 0:
            tern.close()
            pytest.skip(f"cannot mount here (needs root): {command[0]}: {mounted.stderr!r}")
        tern.mounts.insert(0, Path(command[-1]))
    yield tern
    tern.close()


def fill(tern, leave: int):
    """Leaves about `leave` octets free on the queue file system."""
    stat = os.statvfs(tern.queue_dir)
    size = stat.f_bavail * stat.f_frsize - leave
    with open(tern.queue_dir / "fill", "wb") as f:
        os.posix_fallocate(f.fileno(), 0, size)


def test_full_queue_file_system_gets_452_then_accepts_again(small_queue, figures):
    tern = small_queue
    tern.start_all()
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 1}) == {"dora": 1}

    fill(tern, 512 * 1024)  # below the reserve: refused before any content
    code, text = send(tern)
    assert (code, text[:5]) == (452, b"4.3.1"), f"{code} {text!r}"

    fill_path = tern.queue_dir / "fill"
    fill_path.unlink()
    fill(tern, 3 * 1024 * 1024)  # above the reserve, but a 4 MiB message does not fit
    big = MESSAGE + b"y" * 998 + b"\r\n"
    code, text = send(tern, big * 4200)
    assert code in (451, 452) and code != 250, f"{code} {text!r}"
    assert os.listdir(tern.queue_dir / "incoming") == []

    fill_path.unlink()  # space is back: accepted without any restart
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 2}) == {"dora": 2}
    assert tern.wait_for_empty_queue() == []
    figures(f"disk full: 452 4.3.1 below the reserve; {code} {text.decode(errors='replace')} for an "
            "undeclared message that did not fit; accepted again after freeing space, no restart")


def test_queue_on_a_network_file_system_gets_452_then_accepts_again(fuse_queue):
    tern = fuse_queue
    tern.start_all()
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 1}) == {"dora": 1}
    assert "the queue is on a network, cluster or FUSE file system" in tern.log("tern-mtad")

    fill(tern, 512 * 1024)
    code, text = send(tern)
    assert (code, text[:5]) == (452, b"4.3.1"), f"{code} {text!r}"
    (tern.queue_dir / "fill").unlink()
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 2}) == {"dora": 2}


# write(2) is not injected: tern-mtad's event loops write to sockets and eventfds with it
# too, so a blanket failure stops the daemon's I/O rather than the queue file; a failing
# queue-file write is the ENOSPC of the full-file-system test above.
@pytest.mark.parametrize("calls", ["fsync", "rename,renameat,renameat2", "close"])
def test_injected_failure_never_gets_250(tern, calls, tmp_path):
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    assert send(tern)[0] == 250
    log = tmp_path / "strace.log"
    tracer = subprocess.Popen(
        ["strace", "-f", "-qq", "-p", str(tern.pid("tern-mtad")), "-o", str(log),
         "-e", f"trace={calls},openat,close", "-e", f"inject={calls}:error=EIO"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)  # attached to every thread
        for _ in range(3):
            code, text = send(tern)
            assert code != 250, f"answered 250 although {calls} failed"
            assert (code, text[:5]) == (451, b"4.3.0"), f"{code} {text!r}"
    finally:
        tracer.terminate()
        tracer.wait(10)
    assert tern.alive("tern-mtad")
    assert os.listdir(tern.queue_dir / "incoming") == []
    assert tern.wait_for_empty_queue() == []
    trace = log.read_text()
    assert "(INJECTED)" in trace
    if calls == "fsync":
        # fsyncgate: after a failed fsync the descriptor is closed, never fsynced again.
        failed = set()
        for line in trace.splitlines():
            if m := re.search(r"fsync\((\d+)", line):
                assert m.group(1) not in failed, f"second fsync on fd {m.group(1)}:\n{trace}"
                if "INJECTED" in line:
                    failed.add(m.group(1))
            elif m := re.search(r"close\((\d+)\)", line):
                failed.discard(m.group(1))
    # Once the fault is gone the same daemon accepts again.
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 2}) == {"dora": 2}


def test_queue_turning_read_only_gets_451_then_accepts_again(tern):
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 1}) == {"dora": 1}
    try:
        tern.mount_readonly(tern.queue_dir)  # under the running tern-mtad
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot bind-mount the queue read-only here (needs root): {e.stderr!r}")
    code, text = send(tern)
    assert (code, text[:5]) == (451, b"4.3.0"), f"{code} {text!r}"
    assert tern.alive("tern-mtad")
    tern.unmount(tern.queue_dir)  # writable again: no restart needed
    assert send(tern)[0] == 250
    assert tern.wait_for_messages({"dora": 2}) == {"dora": 2}
