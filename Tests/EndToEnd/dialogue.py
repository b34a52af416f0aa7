"""Scripted SMTP dialogues (Tests/Dialogues/*.dialogue, format in its README) run against
a real tern-submitd over a socket: consecutive `C:` lines go out in one write, each `S:`
reads one whole (possibly multi-line) reply."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parents[1] / "Dialogues"


@dataclass
class Dialogue:
    name: str
    daemon: bool = False
    steps: list[tuple[str, object]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "Dialogue":
        dialogue = cls(path.name)
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.startswith("# daemon: yes"):
                dialogue.daemon = True
            elif line.startswith("C:") or line.startswith("C*"):
                head, _, text = line.partition(": ") if ": " in line else (line[:-1], ":", "")
                count = int(head[2:]) if head.startswith("C*") else 1
                dialogue.steps.append(("send", octets(text) * count))
            elif line.startswith("S:"):
                words = line[2:].split()
                dialogue.steps.append(("expect", (int(words[0]), words[1] if len(words) > 1 else None)))
            elif line.startswith("Q:"):
                dialogue.steps.append(("queued", int(line[2:])))
        return dialogue


def octets(text: str) -> bytes:
    no_eol = text.endswith("<NOEOL>")
    if no_eol:
        text = text[: -len("<NOEOL>")]
    data = text.replace("<CR>", "\r").replace("<LF>", "\n").replace("<NUL>", "\0").encode("utf-8")
    return data if no_eol else data + b"\r\n"


def all_dialogues() -> list[Dialogue]:
    return [Dialogue.load(p) for p in sorted(DIRECTORY.glob("*.dialogue"))]


class Replies:
    """Reads whole SMTP replies from a socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed; unread {self.buffer!r}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if len(line) < 4 or line[3:4] == b" ":
                text = b" ".join(l[4:] for l in lines).decode("utf-8", "replace")
                return int(line[:3]), text


def run(dialogue: Dialogue, sock: socket.socket) -> None:
    """Plays the dialogue; raises AssertionError at the first mismatch."""
    replies = Replies(sock)
    pending = b""
    queued = 0
    for kind, value in dialogue.steps:
        if kind == "send":
            pending += value
            continue
        if pending:
            sock.sendall(pending)
            pending = b""
        if kind == "expect":
            code, enhanced = value
            got, text = replies.reply()
            if got == 250 and "queued as" in text:
                queued += 1
            assert got == code and (enhanced is None or text.startswith(enhanced)), \
                f"{dialogue.name}: expected {code} {enhanced or ''}, got {got} {text}"
        elif kind == "queued":
            assert queued == value, f"{dialogue.name}: expected {value} queued, got {queued}"
