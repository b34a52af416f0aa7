"""The crash test (reference/reliability.md #10): while 2,000 messages go in over SMTP from
several clients, a random daemon is killed with SIGKILL every 0.5–3 s (at least 100
kills) and comes back through socket activation. Every attempt carries its own ID; the
ledger of attempts answered 250 must each be in the Maildirs exactly once, attempts
without 250 at most once, and the queue must drain. TERN_CRASH_MESSAGES and
TERN_CRASH_KILLS shrink the run for a quick check."""

import contextlib
import os
import random
import smtplib
import threading
import time

MESSAGES = int(os.environ.get("TERN_CRASH_MESSAGES", "2000"))
KILLS = int(os.environ.get("TERN_CRASH_KILLS", "100"))
USERS = ["ann", "ben", "cid", "deb"]
CLIENTS = 6
DAEMONS = ["tern-submitd", "tern-mtad", "tern-deliverd"]


def message(attempt: str, rcpts: list[str]) -> bytes:
    return (f"From: load@example.test\r\nTo: {', '.join(rcpts)}\r\nSubject: crash {attempt}\r\n"
            f"X-Attempt: {attempt}\r\n\r\nattempt {attempt}\r\n").encode()


def attempts_in_maildirs(tern) -> dict[tuple[str, str], int]:
    """(attempt, user) → copies found."""
    found: dict[tuple[str, str], int] = {}
    for user in USERS:
        path = tern.maildir_path(user)
        for sub in ("new", "cur"):
            folder = path / sub
            if not folder.is_dir():
                continue
            for name in os.listdir(folder):
                for line in (folder / name).read_bytes().split(b"\n"):
                    if line.startswith(b"X-Attempt: "):
                        key = (line[11:].rstrip(b"\r").decode(), user)
                        found[key] = found.get(key, 0) + 1
                        break
    return found


def test_random_kills_lose_and_duplicate_nothing(tern, figures):
    ledger: dict[str, list[str]] = {}  # attempt → recipients, answered 250
    unconfirmed: set[str] = set()
    lock = threading.Lock()
    sending = threading.Event()
    sending.set()
    per_client = MESSAGES // CLIENTS + 1
    # Spread the messages over the kills' duration, so every kill lands under load.
    pause = max(0.0, (KILLS * 1.75) / per_client - 0.05)
    rng = random.Random(1764)

    def client(number: int):
        conn = None
        for seq in range(number, MESSAGES, CLIENTS):
            rcpts = [f"{u}@localhost" for u in rng.sample(USERS, 1 + seq % 2)]
            for attempt_no in range(200):
                attempt = f"{seq}.{attempt_no}"
                try:
                    if conn is None:
                        conn = tern.smtp_unix(timeout=20)
                        conn.ehlo("load.example.test")
                    with lock:
                        unconfirmed.add(attempt)
                    conn.sendmail("load@example.test", rcpts, message(attempt, rcpts))
                    with lock:
                        unconfirmed.discard(attempt)
                        ledger[attempt] = rcpts
                    break
                except (OSError, smtplib.SMTPException):
                    with contextlib.suppress(Exception):
                        conn.close()
                    conn = None
                    time.sleep(0.1)
            time.sleep(pause)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.quit()

    kills: list[str] = []

    def killer():
        while len(kills) < KILLS or any(t.is_alive() for t in clients):
            time.sleep(rng.uniform(0.5, 3.0))
            name = rng.choice(DAEMONS)
            if not tern.alive(name):
                continue
            tern.kill(name)
            kills.append(name)
            # Back through socket activation: submitd and deliverd on their next
            # connection, mtad at once (its queue must drain without a client).
            tern.start(name, activate=name == "tern-mtad")

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for t in clients:
        t.start()
    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    for t in clients:
        t.join()
    kill_thread.join()
    for name in DAEMONS:
        if not tern.alive(name):
            tern.start(name)
    assert tern.wait_for_empty_queue(180) == [], f"the queue did not drain:\n{tern.logs_tail()}"
    elapsed = time.monotonic() - started

    found = attempts_in_maildirs(tern)
    lost = [(a, u) for a, rcpts in ledger.items() for u in (r.split("@")[0] for r in rcpts) if found.get((a, u), 0) == 0]
    twice = {key: n for key, n in found.items() if n > 1}
    assert len({a.split(".")[0] for a in ledger}) == MESSAGES, "some messages were never accepted"
    assert len(kills) >= KILLS
    assert not lost, f"answered 250 but not delivered: {lost[:20]}"
    assert not twice, f"delivered more than once: {list(twice.items())[:20]}"
    unconfirmed_delivered = sum(1 for (a, _u) in found if a not in ledger)
    figures(f"crash test: {MESSAGES} messages ({len(ledger)} attempts answered 250, "
            f"{unconfirmed_delivered} unconfirmed attempts delivered) through {len(kills)} SIGKILLs "
            f"({', '.join(f'{d} {kills.count(d)}' for d in DAEMONS)}) in {elapsed:.0f} s: "
            "0 lost, 0 duplicates, queue drained")
