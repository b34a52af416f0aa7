"""Local delivery with real system accounts (issue 6): recipients checked at RCPT time,
aliases, mailboxes owned by their users and written by tern-local as the user, loops,
symbolic links, a crash between the link into new/ and the reply, and mailctl reading
only one's own mailbox. The accounts are created with useradd and deleted afterwards;
the results are read with Python's mailbox.Maildir, mutt and the file system."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import os
import pty
import pwd
import select
import shutil
import smtplib
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from mailwire import Connection, Frame, RemoteError, Type, encode_frame, read_frame
from peers import CaptureSink
from tern import BIN_DIR, TernInstance, free_tcp_port

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates accounts with useradd")

# Real accounts: unknown names are refused, not given a mailbox.
LOCAL_CONF = """\
hostname = mail.example.test
local_domains = localhost, example.test
retry_minimum = 1
retry_maximum = 2
"""

ALIASES = """\
# written by test_local.py
team: {alice}, {bob}
loop1: loop2
loop2: loop1
fwd: {bob}, friend@elsewhere.example
"""

TAG = uuid.uuid4().hex[:6]
ALICE, BOB, CAROL = f"ta{TAG}", f"tb{TAG}", f"tc{TAG}"


@pytest.fixture(scope="module")
def accounts():
    """Three accounts with home directories, deleted (with their groups) at the end."""
    homes = Path(tempfile.mkdtemp(prefix="tern-homes-"))
    homes.chmod(0o755)
    made = []
    try:
        for name in (ALICE, BOB, CAROL):
            subprocess.run(["useradd", "--create-home", "--home-dir", str(homes / name), "--user-group",
                            "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
            made.append(name)
        yield {name: pwd.getpwnam(name) for name in made}
    finally:
        for name in made:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(homes, ignore_errors=True)


def open_instance(conf: str = LOCAL_CONF) -> TernInstance:
    instance = TernInstance(conf=conf)
    (instance.root / "etc" / "tern" / "aliases").write_text(ALIASES.format(alice=ALICE, bob=BOB))
    # Users reach their own mailbox (and mailctl its socket) through the instance root,
    # as through / on a real system.
    (instance.root / "var").mkdir(mode=0o755)
    for path in (instance.root, instance.root / "run", instance.run_dir, instance.root / "var"):
        path.chmod(0o755)
    return instance


@pytest.fixture
def local(accounts):
    instance = open_instance()
    instance.start_all()
    os.chmod(instance.run_dir / "deliver.sock", 0o666)
    yield instance
    instance.close()


def send(instance: TernInstance, rcpt: str, subject: str, body: str = "hello\r\n", headers: str = "",
         sender: str = "sender@example.test") -> None:
    data = (f"From: Sender <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.test>\r\n{headers}\r\n{body}").encode()
    with instance.smtp_unix() as client:
        client.sendmail(sender, [rcpt], data)


def bounce_in(instance: TernInstance, user: str) -> bytes:
    """The one delivery status report (RFC 3464) in `user`'s mailbox."""
    assert instance.wait_for_messages({user: 1}) == {user: 1}, instance.logs_tail()
    [report] = list((instance.maildir_path(user) / "new").iterdir())
    data = report.read_bytes()
    assert b"multipart/report" in data and b"report-type=delivery-status" in data, data
    return data


def as_user(account, *command: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Runs `command` as `account` (real and effective ids, its own group only)."""
    return subprocess.run(["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
                           *command], capture_output=True, env=env, timeout=60, **kwargs)


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def rcpt_reply(instance: TernInstance, rcpt: bytes) -> tuple[int, bytes]:
    """The reply to one RCPT (raw octets, so NUL and odd forms go out as written)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(instance.submit_sock)
        sock.sendall(b"EHLO client.example.test\r\nMAIL FROM:<sender@example.test>\r\nRCPT TO:<" + rcpt + b">\r\nQUIT\r\n")
        data = b""
        while data.count(b"\r\n221") == 0:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = [line for line in data.split(b"\r\n") if line]
    rcpt_line = [line for line in lines if line[3:4] == b" "][3]  # greeting, EHLO, MAIL, RCPT
    return int(rcpt_line[:3]), rcpt_line


def test_unknown_users_and_path_traversal_are_refused_at_rcpt(local):
    with local.smtp_unix() as client:
        client.ehlo("client.example.test")
        client.mail("sender@example.test")
        code, text = client.rcpt("nosuchuser@localhost")
        assert (code, text[:5]) == (550, b"5.1.1"), text
        assert client.rcpt(f"{BOB}@localhost")[0] == 250
        assert client.rcpt(f"{BOB.upper()}@Example.TEST")[0] == 250
        assert client.rcpt("team@localhost")[0] == 250  # an alias
        assert client.rcpt("Postmaster")[0] == 250
        assert client.rcpt("postmaster@localhost")[0] == 250
    for rcpt in [b"../x@localhost", b"a/b@localhost", b"%2e%2e@localhost", b'"../x"@localhost',
                 b"../../etc/passwd@localhost", b"..@localhost", f"{BOB}/../{ALICE}@localhost".encode()]:
        code, line = rcpt_reply(local, rcpt)
        assert code == 550 and b"5.1.1" in line, (rcpt, line)
    # A NUL never gets as far as the address: no command may carry one.
    code, line = rcpt_reply(local, b"a\0b@localhost")
    assert code == 500 and b"5.5.2" in line, line
    # The independent MailWire client asks tern-deliverd directly (as root).
    with Connection(local.run_dir / "deliver.sock") as wire:
        wire.hello()
        assert wire.rcpt_check(f"{ALICE}@localhost")
        with pytest.raises(RemoteError) as refused:
            wire.rcpt_check("nosuchuser@localhost")
        assert (refused.value.code, refused.value.enhanced) == (550, b"5.1.1")
    assert local.queue_json() == []


def test_only_the_daemons_may_check_recipients(local, accounts):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from mailwire import Connection, RemoteError\n"
            "c = Connection(sys.argv[2]); c.hello()\n"
            "try:\n    c.rcpt_check('root@localhost')\nexcept RemoteError as e:\n    print(e.code, e.enhanced.decode())\n")
    res = as_user(accounts[ALICE], "python3", "-c", code, str(Path(__file__).parent), str(local.run_dir / "deliver.sock"))
    assert res.stdout.decode().strip() == "550 5.7.1", res


def test_mailboxes_belong_to_their_users(local, accounts):
    send(local, f"{ALICE}@localhost", "for alice")
    send(local, f"{BOB}@example.test", "for bob")
    assert local.wait_for_messages({ALICE: 1, BOB: 1}) == {ALICE: 1, BOB: 1}, local.logs_tail()
    for name in (ALICE, BOB):
        account = accounts[name]
        box = local.maildir_path(name)
        for directory in (box, box / "tmp", box / "new", box / "cur"):
            info = directory.lstat()
            assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (account.pw_uid, account.pw_gid, 0o700), directory
        [message] = list((box / "new").iterdir())
        info = message.lstat()
        assert (info.st_uid, info.st_mode & 0o7777) == (account.pw_uid, 0o600), message
        head = message.read_bytes().split(b"\n\n")[0]
        assert head.startswith(b"Return-Path: <sender@example.test>\nDelivered-To: "), head
    spool = local.root / "var" / "mail"
    assert spool.stat().st_uid == 0 and spool.stat().st_mode & 0o777 == 0o755


def test_alice_reads_her_own_mailbox_but_not_bobs(local, accounts):
    send(local, f"{ALICE}@localhost", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= for alice", "alice's body\r\n")
    send(local, f"{BOB}@localhost", "secret for bob", "bob's body\r\n")
    assert local.wait_for_messages({ALICE: 1, BOB: 1}) == {ALICE: 1, BOB: 1}, local.logs_tail()
    alice = accounts[ALICE]
    mailctl = [str(BIN_DIR / "mailctl")]
    env = dict(local.env)

    own = as_user(alice, *mailctl, "mailbox", "--json", env=env)
    assert own.returncode == 0, own
    [row] = [json.loads(line) for line in own.stdout.splitlines()]
    assert row["subject"] == "Grüße for alice" and row["seen"] is False, row
    read = as_user(alice, *mailctl, "read", "1", env=env)
    assert read.returncode == 0 and b"alice's body" in read.stdout and "Grüße".encode() in read.stdout, read
    [row] = [json.loads(line) for line in as_user(alice, *mailctl, "mailbox", "--json", env=env).stdout.splitlines()]
    assert row["seen"] is True, row
    [seen] = list((local.maildir_path(ALICE) / "cur").iterdir())
    assert seen.name.endswith(":2,S") and seen.lstat().st_uid == alice.pw_uid, seen

    for args in (["mailbox", "--user", BOB], ["read", "1", "--user", BOB], ["mailbox", "--user", "root"]):
        denied = as_user(alice, *mailctl, *args, env=env)
        assert denied.returncode == 77, (args, denied)
        assert b"bob's body" not in denied.stdout
    [bob_file] = list((local.maildir_path(BOB) / "new").iterdir())
    peek = as_user(alice, "cat", str(bob_file))
    assert peek.returncode != 0 and b"bob's body" not in peek.stdout and b"Permission denied" in peek.stderr, peek
    listing = as_user(alice, "ls", str(local.maildir_path(BOB) / "new"))
    assert listing.returncode != 0, listing

    as_root = local.mailctl("read", "1", "--user", BOB)
    assert b"bob's body" in as_root.stdout
    bad = local.mailctl("read", "1", "--user", "../../etc", check=False)
    assert bad.returncode == 65, bad


def test_python_mailbox_and_mutt_read_the_same_messages(local, accounts):
    sent = {
        "plain one": "first body\r\n",
        "dots and From": "From the start of a line\r\n.leading dot\r\n..two\r\nend\r\n",
        "=?UTF-8?B?w6lsw6hWZQ==?=": "accented subject\r\n",
    }
    for subject, body in sent.items():
        send(local, f"{ALICE}@localhost", subject, body)
    assert local.wait_for_messages({ALICE: 3}) == {ALICE: 3}, local.logs_tail()
    box = mailbox.Maildir(str(local.maildir_path(ALICE)), factory=None, create=False)
    python_view = {}
    for key in box.keys():
        message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        python_view[str(message["subject"])] = message.get_content()
    assert len(python_view) == 3
    assert python_view["plain one"] == "first body\n"
    assert python_view["dots and From"] == "From the start of a line\n.leading dot\n..two\nend\n"
    assert python_view["élèVe"] == "accented subject\n"

    mutt_view, screen = mutt_read_all(accounts[ALICE], local.maildir_path(ALICE), local.root, count=3)
    assert mutt_view == python_view, f"mutt's screen: {screen[-3000:]!r}"


def mutt_read_all(account, maildir: Path, scratch: Path, count: int) -> tuple[dict[str, str], bytes]:
    """mutt, as the mailbox's owner and in batch (a pty, keys pushed from the command line),
    copies each of the `count` messages of the Maildir into an MMDF file; the subjects and
    bodies found there are returned, with what mutt showed."""
    if shutil.which("mutt") is None:
        pytest.skip("mutt is not installed (scripts/setup installs it)")
    out = scratch / f"mutt-{uuid.uuid4().hex}"
    out.mkdir(mode=0o700)
    os.chown(out, account.pw_uid, account.pw_gid)
    # MMDF, not mbox: no ">From " quoting to undo in the bodies. Named from HOME: mutt's
    # command line takes only a short push string.
    mbox = out / "c"
    keys = "<first-entry>" + "<copy-message>~/c<enter><next-entry>" * count + "<quit>"
    command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
               "mutt", "-n", "-F", "/dev/null", "-R", "-f", str(maildir),
               "-e", "set folder=~ mbox_type=MMDF confirmcreate=no confirmappend=no quit=yes move=no",
               "-e", f"push '{keys}'"]
    pid, fd = pty.fork()
    if pid == 0:
        os.fchown(0, account.pw_uid, account.pw_gid)  # the terminal is the user's, as at a login
        os.environ.update(TERM="vt100", HOME=str(out), LANG="C.UTF-8")
        os.execvp(command[0], command)
    deadline = time.monotonic() + 30
    screen = b""
    while True:
        try:
            if select.select([fd], [], [], 0.2)[0]:
                screen += os.read(fd, 65536)
        except OSError:
            pass  # EIO: mutt closed the terminal
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
    os.close(fd)
    assert mbox.exists(), f"mutt copied nothing; its screen: {screen[-2000:]!r}"
    view = {}
    # MMDF: each message between two lines of four ^A; mutt starts each with a From_ line.
    for chunk in mbox.read_bytes().split(b"\x01\x01\x01\x01\n"):
        if chunk:
            parsed = email.message_from_bytes(chunk.split(b"\n", 1)[1], policy=email.policy.default)
            view[str(parsed["subject"])] = parsed.get_content()
    return view, screen


def test_alias_to_two_users_gives_each_one_copy(local):
    send(local, "team@localhost", "to the team")
    assert local.wait_for_messages({ALICE: 1, BOB: 1}) == {ALICE: 1, BOB: 1}, local.logs_tail()
    assert local.wait_for_empty_queue() == []
    time.sleep(0.5)
    assert (local.count(ALICE), local.count(BOB)) == (1, 1)
    [copy] = list((local.maildir_path(BOB) / "new").iterdir())
    assert f"Delivered-To: {BOB}@localhost\n".encode() in copy.read_bytes()


def test_alias_cycle_bounces_without_looping(local):
    send(local, "loop1@localhost", "round and round", sender=f"{ALICE}@localhost")
    report = bounce_in(local, ALICE)
    assert b"Status: 5.4.6" in report and b"loop1 -> loop2 -> loop1" in report, report
    assert local.wait_for_empty_queue() == [], "the cycle was not settled"
    assert local.count(BOB) == 0 and local.count(CAROL) == 0 and local.count(ALICE) == 1


def test_postmaster_reaches_roots_mailbox(local):
    with local.smtp_unix() as client:
        client.sendmail("sender@example.test", ["Postmaster"], b"Subject: to the postmaster\r\n\r\nhi\r\n")
        client.sendmail("sender@example.test", ["postmaster@example.test"], b"Subject: again\r\n\r\nhi\r\n")
    assert local.wait_for_messages({"root": 2}) == {"root": 2}, local.logs_tail()
    assert local.maildir_path("root").stat().st_uid == 0


def test_a_message_already_delivered_here_is_a_loop(local):
    send(local, f"{BOB}@localhost", "looped", headers=f"Delivered-To: {BOB}@localhost\r\n", sender=f"{ALICE}@localhost")
    assert b"Status: 5.4.6" in bounce_in(local, ALICE)
    assert local.wait_for_empty_queue() == []
    assert local.count(BOB) == 0


def test_alias_forwards_remote_addresses_through_the_queue(accounts):
    """The remote target of an alias is queued again and relayed: the peer (a capture sink
    as the relay host) receives the copy for that address, marked by the alias."""
    port = free_tcp_port()
    sink = CaptureSink("127.0.0.1", port)
    instance = open_instance(LOCAL_CONF + f"relayhost = [127.0.0.1]:{port}\n")
    try:
        instance.start_all()
        send(instance, "fwd@localhost", "forward me")
        assert instance.wait_for_messages({BOB: 1}) == {BOB: 1}, instance.logs_tail()
        assert wait_until(lambda: sink.messages), instance.logs_tail()
        [copy] = sink.messages
        assert copy.startswith(b"Delivered-To: fwd@localhost\r\n") and b"Subject: forward me" in copy, copy
        assert b"RCPT TO:<friend@elsewhere.example>" in sink.raw and b"MAIL FROM:<sender@example.test>" in sink.raw
        assert b"RCPT TO:<fwd@localhost>" not in sink.raw and b"bob" not in sink.raw.lower().split(b"data")[0]
        assert instance.wait_for_empty_queue() == []
        assert "forwarded to friend@elsewhere.example as " in instance.log("tern-deliverd")
    finally:
        instance.close()
        sink.close()


def test_symlink_planted_at_new_writes_nothing_outside(local, accounts):
    bob = accounts[BOB]
    send(local, f"{BOB}@localhost", "first")
    assert local.wait_for_messages({BOB: 1}) == {BOB: 1}
    box = local.maildir_path(BOB)
    target = local.root / "elsewhere"
    target.mkdir(mode=0o777)
    target.chmod(0o777)
    moved = box / "new.real"
    (box / "new").rename(moved)
    os.symlink(target, box / "new")
    os.lchown(box / "new", bob.pw_uid, bob.pw_gid)
    send(local, f"{BOB}@localhost", "second")
    assert wait_until(lambda: "Too many levels of symbolic links" in local.log("tern-deliverd")
                      or "Not a directory" in local.log("tern-deliverd"), 30), local.logs_tail()
    assert list(target.iterdir()) == [], "a file was written through the link"
    assert len(local.queue_json()) == 1, "the message must wait in the queue"
    (box / "new").unlink()
    moved.rename(box / "new")
    assert local.wait_for_messages({BOB: 2}) == {BOB: 2}, local.logs_tail()
    assert local.wait_for_empty_queue() == []
    assert list(target.iterdir()) == []


def test_crash_between_link_and_reply_leaves_one_copy(local):
    local.stop("tern-deliverd")
    local.start("tern-deliverd", env={"TERN_FAILPOINT": "deliverd.after_link"})
    os.chmod(local.run_dir / "deliver.sock", 0o666)
    killed = local.procs["tern-deliverd"]
    send(local, f"{CAROL}@localhost", "exactly once")
    killed.wait(30)
    assert killed.returncode is not None
    assert local.count(CAROL) == 1, "the copy was not linked before the crash"
    assert local.queue_json(), "tern-mtad must still hold the message"
    local.start("tern-deliverd", activate=False)
    assert local.wait_for_empty_queue() == [], local.logs_tail()
    assert local.count(CAROL) == 1


def test_a_mailbox_owned_by_someone_else_is_deferred_not_written(local, accounts):
    send(local, f"{BOB}@localhost", "first")
    assert local.wait_for_messages({BOB: 1}) == {BOB: 1}
    box = local.maildir_path(BOB)
    os.chown(box, 0, 0)
    send(local, f"{BOB}@localhost", "second")
    # Opened as bob, root's 0700 directory is not even readable; either way nothing is written.
    assert wait_until(lambda: "Permission denied" in local.log("tern-deliverd")
                      or "belongs to uid 0" in local.log("tern-deliverd"), 30), local.logs_tail()
    assert local.count(BOB) == 1 and len(local.queue_json()) == 1
    os.chown(box, accounts[BOB].pw_uid, accounts[BOB].pw_gid)
    assert local.wait_for_messages({BOB: 2}) == {BOB: 2}, local.logs_tail()


def test_home_mailbox_is_in_the_users_home(accounts):
    instance = open_instance(LOCAL_CONF + "home_mailbox = Maildir/\n")
    try:
        instance.start_all()
        send(instance, f"{CAROL}@localhost", "to the home Maildir")
        home = Path(accounts[CAROL].pw_dir) / "Maildir"
        assert wait_until(lambda: (home / "new").is_dir() and any((home / "new").iterdir())), instance.logs_tail()
        for directory in (home, home / "new"):
            assert directory.stat().st_uid == accounts[CAROL].pw_uid and directory.stat().st_mode & 0o777 == 0o700
        assert not (instance.root / "var" / "mail" / CAROL).exists()
        assert instance.mailctl("mailbox", "--user", CAROL).stdout.count(b"to the home Maildir") == 1
    finally:
        instance.close()


def test_a_full_mailbox_defers_and_delivers_once_there_is_room(local, accounts):
    bob = accounts[BOB]
    box = local.maildir_path(BOB)
    box.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=64k,uid={bob.pw_uid},gid={bob.pw_gid},mode=0700",
                    "tern-full-mailbox", str(box)], check=True, capture_output=True)
    local.mounts.append(box)
    send(local, f"{BOB}@localhost", "too big for now", ("y" * 78 + "\r\n") * 3000)
    assert wait_until(lambda: "452 4.2.2" in local.log("tern-mtad")), local.logs_tail()
    assert list((box / "new").iterdir()) == [] and list((box / "tmp").iterdir()) == [], "a partial copy was left"
    assert len(local.queue_json()) == 1, "a full mailbox is a temporary failure, never a bounce"
    subprocess.run(["mount", "-o", "remount,size=4m", str(box)], check=True, capture_output=True)
    assert local.wait_for_messages({BOB: 1}) == {BOB: 1}, local.logs_tail()
    assert local.wait_for_empty_queue() == []


def helpers_of(instance: TernInstance) -> list[tuple[int, int]]:
    """(pid, uid) of tern-deliverd's running tern-local helpers."""
    found = []
    for task in Path(f"/proc/{instance.pid('tern-deliverd')}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            if "Name:\ttern-local" in status:
                uid = int(next(l for l in status.splitlines() if l.startswith("Uid:")).split()[1])
                found.append((int(child), uid))
    return found


def test_one_running_helper_serves_a_mailbox_message_after_message(local, accounts):
    """protocols/tern-local.md §Lifetime: no process start per message; the helper runs as
    the mailbox's owner, never as root."""
    before = local.count(BOB)
    send(local, f"{BOB}@localhost", "first")
    assert local.wait_for_messages({BOB: before + 1}) == {BOB: before + 1}, local.logs_tail()
    running = {pid for pid, uid in helpers_of(local) if uid == accounts[BOB].pw_uid}
    assert running, "no helper kept for bob's mailbox"
    for number in range(10):
        send(local, f"{BOB}@localhost", f"again {number}")
        assert local.wait_for_messages({BOB: before + 2 + number}) == {BOB: before + 2 + number}, local.logs_tail()
    # Sequential deliveries: no helper was started for them.
    assert {pid for pid, uid in helpers_of(local) if uid == accounts[BOB].pw_uid} <= running
    assert all(uid != 0 for _, uid in helpers_of(local))


def start_helper(spool: Path, *wrapper: str) -> tuple[subprocess.Popen, socket.socket]:
    """tern-local for bob's mailbox under `spool` (run through `wrapper`, e.g. strace), its
    fd 3 one end of a socket pair. Returns the process and the other end."""
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()

    def on_fd_3():
        os.dup2(fd, 3)  # inheritable; Python's own descriptors are not, so only 0-3 reach it

    helper = subprocess.Popen(
        [*wrapper, str(BIN_DIR / "tern-local"), "--spool", str(spool), "--name", "bob", "--hostname", "test.localhost",
         "--create"], close_fds=False, preexec_fn=on_fd_3)
    theirs.close()
    return helper, ours


def delivery(request_id: int, content: bytes, total: int | None = None, again: bool = False) -> bytes:
    """DELIVER of `content` to bob, its CHUNKs (64 KiB at most) and END, as one request.
    END gives `total` octets (the content's length unless given); `again` sets the flag
    "may have been delivered before". Its Maildir name is `maildir_name(request_id)`."""
    frames = encode_frame(Frame(Type.DELIVER, request_id, {
        "queue_id": queue_id(request_id).encode(), "reverse_path": b"alice@example.test",
        "arrival": arrival(request_id), "flags": 1 if again else 0, "recipients": [b"bob@localhost"]}))
    for offset in range(0, len(content), 65_536):
        frames += encode_frame(Frame(Type.CHUNK, request_id, {"data": content[offset:offset + 65_536]}))
    return frames + encode_frame(Frame(Type.END, request_id, {"total": len(content) if total is None else total}))


def queue_id(request_id: int) -> str:
    """The queue ID of `delivery(request_id, ...)`."""
    return f"0lDGMhr3h0tP{request_id:02d}"


def arrival(request_id: int) -> int:
    """The arrival time (Unix seconds) of `delivery(request_id, ...)`."""
    return 1_795_971_919 + request_id


def maildir_name(request_id: int) -> str:
    """The name in new/ of `delivery(request_id, ...)` (protocols/tern-local.md: arrival,
    queue ID, host)."""
    return f"{arrival(request_id)}.{queue_id(request_id)}.test.localhost"


def deliver_batch(tmp_path, *strace: str) -> tuple[list, Path, list[str]]:
    """Runs tern-local for bob's mailbox under `strace -y -e trace=fsync,sync_file_range`
    (plus `strace` options), sends it three DELIVERs in one write, reads three answers, ends
    the stream. Returns the answers, the Maildir and the lines strace saw."""
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    spool = tmp_path / "mail"
    spool.mkdir()
    trace = tmp_path / "strace"
    helper, ours = start_helper(spool, "strace", "-y", "-e", "trace=fsync,sync_file_range", *strace, "-o", str(trace))
    ours.sendall(b"".join(delivery(number, f"Subject: batch {number}\r\n\r\nbody {number}\r\n".encode())
                          for number in (1, 2, 3)))
    stream = ours.makefile("rb")
    answers = [read_frame(stream.read) for _ in range(3)]
    stream.close()
    ours.close()  # end of the stream: tern-local exits 0
    assert helper.wait(timeout=30) == 0
    assert [(a.type, a.request_id) for a in answers] == [(Type.DELIVERED, n) for n in (1, 2, 3)], answers
    calls = [line for line in trace.read_text().splitlines() if line.startswith(("fsync(", "sync_file_range("))]
    return answers, spool / "bob", calls


def test_deliveries_sent_back_to_back_share_one_fsync_of_new(tmp_path):
    """protocols/tern-local.md §Batches: three DELIVERs in one write are answered in order,
    every copy is in new/ (read back with Python's mailbox.Maildir), and strace sees the
    writeback of all three copies started first, then three file fsyncs, then one fsync of
    new/ for the batch."""
    answers, maildir, calls = deliver_batch(tmp_path)
    assert [a.fields["results"][0]["code"] for a in answers] == [250, 250, 250], answers
    subjects = sorted(m["Subject"] for m in mailbox.Maildir(maildir, create=False))
    assert subjects == ["batch 1", "batch 2", "batch 3"]
    kinds = ["start" if line.startswith("sync_file_range(") and "/bob/tmp/" in line
             else "file" if "/bob/tmp/" in line else "new" if "/bob/new>" in line else line for line in calls]
    assert kinds == ["start"] * 3 + ["file"] * 3 + ["new"], calls


def test_a_broken_stream_ends_the_helper_but_places_the_complete_copies_of_its_batch(tmp_path):
    """§Batches: two complete DELIVERs and a third whose END does not match its octets, in
    one write. tern-local answers nothing and exits 76 (a MailWire error); the two complete
    copies are in new/, so their retries find them by name, and nothing is left in tmp/."""
    spool = tmp_path / "mail"
    spool.mkdir()
    helper, ours = start_helper(spool)
    broken = delivery(3, b"Subject: broken\r\n\r\nbody\r\n", total=1)
    ours.sendall(b"".join(delivery(n, f"Subject: batch {n}\r\n\r\nbody {n}\r\n".encode()) for n in (1, 2)) + broken)
    assert helper.wait(timeout=30) == 76
    assert ours.recv(1) == b""
    ours.close()
    subjects = sorted(m["Subject"] for m in mailbox.Maildir(spool / "bob", create=False))
    assert subjects == ["batch 1", "batch 2"]
    assert os.listdir(spool / "bob" / "tmp") == []


def test_a_helper_keeps_no_copy_of_what_it_delivered(tmp_path):
    """A helper serves its mailbox as long as mail keeps coming, so what it read for
    delivered messages must not stay in its memory: 48 messages of 1 MiB, one at a time,
    and its resident size stays under 24 MiB (it grew by all 48 MiB it read, from 16 to 64
    MiB in the debug build, before BlockingFrameChannel dropped decoded frames)."""
    spool = tmp_path / "mail"
    spool.mkdir()
    helper, ours = start_helper(spool)
    stream = ours.makefile("rb")
    content = b"Subject: large\r\n\r\n" + (b"x" * 1022 + b"\r\n") * 1024
    resident = []
    for number in range(1, 49):
        ours.sendall(delivery(number, content))
        answer = read_frame(stream.read)
        assert (answer.type, answer.request_id, answer.fields["results"][0]["code"]) == (Type.DELIVERED, number, 250)
        status = Path(f"/proc/{helper.pid}/status").read_text()
        resident.append(int(next(l for l in status.splitlines() if l.startswith("VmRSS:")).split()[1]))
    stream.close()
    ours.close()
    assert helper.wait(timeout=30) == 0
    assert len(os.listdir(spool / "bob" / "new")) == 48
    assert max(resident) < 24 * 1024, f"tern-local's VmRSS in KiB, message by message: {resident}"


def test_a_failed_fsync_of_new_fails_the_whole_batch_and_takes_its_names_back(tmp_path):
    """§Batches: the fsync of new/ fails (EIO injected by strace): all three get 451 4.3.0,
    and new/ is empty again, so the retries write and fsync their copies anew instead of
    finding names that may not be on disk."""
    answers, maildir, calls = deliver_batch(tmp_path, "-e", "inject=fsync:error=EIO:when=4")
    assert [(a.fields["results"][0]["code"], a.fields["results"][0]["enhanced"]) for a in answers] == \
        [(451, b"4.3.0")] * 3, answers
    assert os.listdir(maildir / "new") == [], calls
    assert [line for line in calls if "/bob/new>" in line and "EIO" in line], calls


def test_a_failed_fsync_of_one_copy_fails_that_copy_alone(tmp_path):
    """§Batches: the second copy's fsync fails (EIO injected by strace): it gets 451 4.3.0
    and its tmp/ file is removed; the first and third are delivered."""
    answers, maildir, calls = deliver_batch(tmp_path, "-e", "inject=fsync:error=EIO:when=2")
    assert [a.fields["results"][0]["code"] for a in answers] == [250, 451, 250], answers
    assert sorted(os.listdir(maildir / "new")) == [maildir_name(1), maildir_name(3)], calls
    assert os.listdir(maildir / "tmp") == [], calls


def test_a_failed_fsync_of_new_leaves_a_copy_another_attempt_linked(tmp_path):
    """§Batches: a retry finds the copy an earlier attempt linked into new/, and the fsync
    of new/ fails: the retry is answered 451, but the copy stays, since the attempt that
    linked it answers for it (taking it out could lose a message that attempt delivered)."""
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    spool = tmp_path / "mail"
    for part in ("tmp", "new", "cur"):
        (spool / "bob" / part).mkdir(parents=True)
    (spool / "bob" / "new" / maildir_name(1)).write_bytes(b"Subject: earlier\n\nbody\n")
    helper, ours = start_helper(spool, "strace", "-e", "inject=fsync:error=EIO:when=1", "-o", str(tmp_path / "strace"))
    ours.sendall(delivery(1, b"Subject: retry\r\n\r\nbody\r\n", again=True))
    answer = read_frame(ours.makefile("rb").read)
    ours.close()
    assert helper.wait(timeout=30) == 0
    assert answer.fields["results"][0]["code"] == 451, answer
    assert os.listdir(spool / "bob" / "new") == [maildir_name(1)]
