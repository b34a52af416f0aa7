"""SMTP clients for test_systemd.py, run inside the container's network namespace
(`nsenter -t PID -n python3 nspawn_smtp.py ...`), where 127.0.0.1:25 is tern-smtp.socket.
Each command prints one JSON object on stdout.

  send COUNT PREFIX     COUNT messages over TCP, one connection each; prints the subjects
                        that got 250 and the errors of the others
  drain INIT_PID        one idle session and one in the middle of DATA, then
                        `systemctl stop --no-block tern-submitd.service` in the container;
                        prints what each session was told
"""

import json
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage


def send(count: int, prefix: str) -> dict:
    accepted, refused = [], []
    for index in range(count):
        subject = f"{prefix} {index}"
        message = EmailMessage()
        message["From"] = "sender@example.org"
        message["To"] = "root@localhost"
        message["Subject"] = subject
        message.set_content(f"message {index}\n")
        try:
            with smtplib.SMTP("127.0.0.1", 25, timeout=30) as client:
                client.send_message(message)
            accepted.append(subject)
        except (smtplib.SMTPException, OSError) as error:
            refused.append(f"{subject}: {error!r}")
    return {"accepted": accepted, "refused": refused}


def reply(stream) -> str:
    """One whole SMTP reply, continuation lines joined."""
    lines = []
    while True:
        line = stream.readline().decode()
        if not line:
            return "".join(lines) or "EOF"
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return "".join(lines)


def drain(init_pid: str) -> dict:
    idle = socket.create_connection(("127.0.0.1", 25), timeout=30)
    busy = socket.create_connection(("127.0.0.1", 25), timeout=30)
    idle_in, busy_in = idle.makefile("rb"), busy.makefile("rb")
    greetings = [reply(idle_in), reply(busy_in)]
    idle.sendall(b"EHLO idle.example\r\n")
    reply(idle_in)
    dialogue = []
    for command in (b"EHLO busy.example", b"MAIL FROM:<sender@example.org>", b"RCPT TO:<root@localhost>", b"DATA"):
        busy.sendall(command + b"\r\n")
        dialogue.append(reply(busy_in).strip())
    busy.sendall(b"Subject: drained\r\n\r\nfirst half\r\n")
    subprocess.run(["nsenter", "-t", init_pid, "-a", "systemctl", "stop", "--no-block", "tern-submitd.service"],
                   check=True)
    idle_told = reply(idle_in)
    time.sleep(0.5)
    busy.sendall(b"second half\r\n.\r\n")
    busy_told = [reply(busy_in).strip(), reply(busy_in).strip()]
    return {"greetings": greetings, "dialogue": dialogue, "idle": idle_told.strip(), "busy": busy_told}


if __name__ == "__main__":
    if sys.argv[1] == "send":
        print(json.dumps(send(int(sys.argv[2]), sys.argv[3])))
    else:
        print(json.dumps(drain(sys.argv[2])))
