"""An independent MailWire v1 client, written from protocols/mailwire.md alone.

Standard library only, so end-to-end tests can check that the Swift daemons interoperate
with a second implementation of the spec (design: "an independent client ... must
interoperate"). Section names in comments (§Frame, §Field rules, ...) are the spec's.
"""

from __future__ import annotations

import enum
import io
import re
import reprlib
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1
# §Frame: length u32, version u8, type u8, flags u16, request id u32, big-endian.
HEADER = struct.Struct(">IBBHI")
# §Frame: the largest payload any v1 receiver accepts, and the limit before the handshake.
MAX_PAYLOAD = 1_048_576
# §Frame: content chunks; also the smallest max payload a peer may announce (§Field rules).
MAX_CHUNK = 65_536
# §Field rules: the 51-symbol queue ID alphabet (digits, consonants), 14 characters.
QUEUE_ID = re.compile(rb"[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{14}")


class Type(enum.IntEnum):
    """§Message types."""

    HELLO = 0x01
    WELCOME = 0x02
    ERROR = 0x03
    OK = 0x04
    CHUNK = 0x05
    ENQUEUE = 0x10
    QUEUE_ID = 0x11
    COMMIT = 0x12
    QUEUED = 0x13
    ABORT = 0x14
    DELIVER = 0x20
    END = 0x21
    DELIVERED = 0x22
    RCPT_CHECK = 0x23
    QUEUE_LIST = 0x30
    QUEUE_LISTING = 0x31
    QUEUE_SHOW = 0x32
    QUEUE_DETAIL = 0x33
    QUEUE_CONTROL = 0x34
    QUEUE_VERIFY = 0x35
    QUEUE_REPORT = 0x36
    MAILBOX_LIST = 0x40
    MAILBOX_LISTING = 0x41
    MAILBOX_READ = 0x42


class ProtocolError(Exception):
    """A protocol violation (§Errors): the connection is unusable and gets closed."""


class RemoteError(Exception):
    """The peer's ERROR frame: the final answer of a failed request (§Errors)."""

    def __init__(self, code: int, enhanced: bytes, text: bytes):
        super().__init__(f"{code} {enhanced.decode()} {text.decode(errors='replace')}")
        self.code = code
        self.enhanced = enhanced
        self.text = text


@dataclass
class Frame:
    """One frame, payload decoded to a dict keyed by the field names of §Message types.

    Flags are not kept: v1 sends them as 0 and ignores them on receipt (§Frame).
    """

    type: Type
    request_id: int
    fields: dict = field(default_factory=dict)


# --- Payload codecs (§Payload primitives). Encoding a value the rules forbid is the
# caller's bug (ValueError); decoding one is the peer's protocol violation.


class _Reader:
    def __init__(self, data: bytes):
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise ProtocolError("bad payload: too short")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def rest(self) -> bytes:
        return self.take(len(self._data) - self._pos)

    def finish(self) -> None:
        if self._pos != len(self._data):
            raise ProtocolError("bad payload: leftover octets")


class _Codec:
    """A field type; `allowed` is the predicate of §Field rules, if the field has one."""

    def __init__(self, allowed=None):
        self._allowed = allowed

    def _check(self, value, error) -> None:
        if self._allowed is not None and not self._allowed(value):
            raise error(f"bad payload: value {reprlib.repr(value)} not allowed")

    def encode(self, value, out: bytearray) -> None:
        self._check(value, ValueError)
        self._encode(value, out)

    def decode(self, reader: _Reader):
        value = self._decode(reader)
        self._check(value, ProtocolError)
        return value


class _Int(_Codec):
    def __init__(self, fmt: str, allowed=None):
        super().__init__(allowed)
        self._struct = struct.Struct(">" + fmt)

    def _encode(self, value: int, out: bytearray) -> None:
        out += self._struct.pack(value)

    def _decode(self, reader: _Reader) -> int:
        return self._struct.unpack(reader.take(self._struct.size))[0]


class _Bytes(_Codec):
    """`bytes`: u16 length, then the octets."""

    def _encode(self, value: bytes, out: bytearray) -> None:
        if len(value) > 0xFFFF:
            raise ValueError("bytes field longer than 65,535 octets")
        out += struct.pack(">H", len(value)) + value

    def _decode(self, reader: _Reader) -> bytes:
        (length,) = struct.unpack(">H", reader.take(2))
        return reader.take(length)


class _Blob(_Codec):
    """`blob`: the rest of the payload."""

    def _encode(self, value: bytes, out: bytearray) -> None:
        out += value

    def _decode(self, reader: _Reader) -> bytes:
        return reader.rest()


class _List(_Codec):
    """`list<T>`: a count (u16, or u32 where §Message types says so), then the items."""

    def __init__(self, item: _Codec, count: str = "H", allowed=None):
        super().__init__(allowed)
        self._item = item
        self._count = struct.Struct(">" + count)

    def _encode(self, value: list, out: bytearray) -> None:
        out += self._count.pack(len(value))
        for item in value:
            self._item.encode(item, out)

    def _decode(self, reader: _Reader) -> list:
        (count,) = self._count.unpack(reader.take(self._count.size))
        return [self._item.decode(reader) for _ in range(count)]


class _Record(_Codec):
    """A sequence of named fields, as a dict."""

    def __init__(self, *fields: tuple[str, _Codec]):
        super().__init__()
        self._fields = fields

    def _encode(self, value: dict, out: bytearray) -> None:
        if set(value) != {name for name, _ in self._fields}:
            raise ValueError(f"fields {sorted(value)} do not match the layout")
        for name, codec in self._fields:
            codec.encode(value[name], out)

    def _decode(self, reader: _Reader) -> dict:
        return {name: codec.decode(reader) for name, codec in self._fields}


def _one_of(*values):
    return lambda v: v in values


U8, U16, U32, U64 = _Int("B"), _Int("H"), _Int("I"), _Int("Q")
I64 = _Int("q")
BYTES = _Bytes()
QUEUE_ID_FIELD = _Bytes(allowed=QUEUE_ID.fullmatch)
NON_EMPTY_ADDRESSES = _List(BYTES, allowed=bool)
REPLY = (("code", U16), ("enhanced", BYTES), ("text", BYTES))
GREETING = _Record(
    ("version", _Int("B", allowed=lambda v: v >= 1)),
    ("max_payload", _Int("I", allowed=lambda v: MAX_CHUNK <= v <= MAX_PAYLOAD)),
    ("name", BYTES),
)
QUEUE_ENTRY = _Record(
    ("queue_id", QUEUE_ID_FIELD),
    ("size", U64),
    ("arrival", I64),
    ("reverse_path", BYTES),
    ("next_attempt", I64),
    ("attempts", U32),
    ("flags", U8),
    (
        "recipients",
        _List(
            _Record(
                ("address", BYTES),
                ("state", _Int("B", allowed=_one_of(0, 1, 2, 3))),
                ("last_reply", BYTES),
            )
        ),
    ),
)
# QUEUE_CONTROL actions (§QUEUE_CONTROL).
QUEUE_ACTIONS = {"flush": 1, "hold": 2, "release": 3, "delete": 4, "requeue": 5, "expire": 6}

# §Message types and §Compound values, field for field.
PAYLOADS: dict[Type, _Record] = {
    Type.HELLO: GREETING,
    Type.WELCOME: GREETING,
    Type.ERROR: _Record(*REPLY),
    Type.OK: _Record(("detail", BYTES)),
    Type.CHUNK: _Record(("data", _Blob(allowed=lambda v: len(v) <= MAX_CHUNK))),
    Type.ENQUEUE: _Record(
        ("reverse_path", BYTES),
        ("forward_paths", NON_EMPTY_ADDRESSES),
        ("body_type", _Int("B", allowed=_one_of(0, 1))),
        ("declared_size", U64),
        ("flags", _Int("B", allowed=_one_of(0, 1))),
        ("ret", _Int("B", allowed=_one_of(0, 1, 2))),
        ("envid", BYTES),
        (
            "recipient_dsn",
            _List(
                _Record(
                    ("notify", _Int("B", allowed=lambda v: v in (0, 8) or 1 <= v <= 7)),
                    ("orcpt", BYTES),
                )
            ),
        ),
    ),
    Type.QUEUE_ID: _Record(("queue_id", QUEUE_ID_FIELD)),
    Type.COMMIT: _Record(("total", U64)),
    Type.QUEUED: _Record(("queue_id", QUEUE_ID_FIELD)),
    Type.ABORT: _Record(),
    Type.DELIVER: _Record(
        ("queue_id", QUEUE_ID_FIELD),
        ("reverse_path", BYTES),
        ("arrival", I64),
        ("flags", U8),
        ("recipients", NON_EMPTY_ADDRESSES),
    ),
    Type.END: _Record(("total", U64)),
    Type.DELIVERED: _Record(("results", _List(_Record(*REPLY)))),
    Type.RCPT_CHECK: _Record(("address", _Bytes(allowed=bool))),
    Type.QUEUE_LIST: _Record(),
    Type.QUEUE_LISTING: _Record(("entries", _List(QUEUE_ENTRY, count="I"))),
    Type.QUEUE_SHOW: _Record(("queue_id", QUEUE_ID_FIELD)),
    Type.QUEUE_DETAIL: _Record(
        ("entry", QUEUE_ENTRY),
        ("envelope_id", BYTES),
        ("ret", _Int("B", allowed=_one_of(0, 1, 2))),
        ("headers", BYTES),
    ),
    Type.QUEUE_CONTROL: _Record(
        ("action", _Int("B", allowed=_one_of(*QUEUE_ACTIONS.values()))),
        ("queue_id", _Bytes(allowed=lambda v: v == b"" or QUEUE_ID.fullmatch(v))),
    ),
    Type.QUEUE_VERIFY: _Record(),
    Type.QUEUE_REPORT: _Record(
        ("checked", U32),
        ("problems", _List(_Record(("name", BYTES), ("reason", BYTES)))),
    ),
    Type.MAILBOX_LIST: _Record(("user", BYTES)),
    Type.MAILBOX_LISTING: _Record(
        (
            "entries",
            _List(
                _Record(
                    ("number", U32),
                    ("date", I64),
                    ("from", BYTES),
                    ("subject", BYTES),
                    ("size", U64),
                    ("seen", _Int("B", allowed=_one_of(0, 1))),
                ),
                count="I",
            ),
        )
    ),
    Type.MAILBOX_READ: _Record(("user", BYTES), ("number", U32)),
}


# --- Frames (§Frame).


def encode_frame(frame: Frame, max_payload: int = MAX_PAYLOAD) -> bytes:
    """The frame's octets; `max_payload` is the peer's announced limit (§Handshake)."""
    payload = bytearray()
    PAYLOADS[frame.type].encode(frame.fields, payload)
    if len(payload) > max_payload:
        raise ValueError(f"payload of {len(payload)} octets exceeds {max_payload}")
    return HEADER.pack(len(payload), VERSION, frame.type, 0, frame.request_id) + payload


def read_frame(read, max_payload: int = MAX_PAYLOAD) -> Frame | None:
    """Reads one frame; None at EOF between frames (§Closing).

    `read(n)` returns n octets, fewer only at EOF. The header is judged before any payload
    is read (§Protocol violations), so an oversize frame is refused without buffering it.
    """
    header = read(HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise ProtocolError("truncated frame")
    length, version, type_, _flags, request_id = HEADER.unpack(header)
    if length > max_payload:
        raise ProtocolError(f"oversize frame: {length} octets")
    if version != VERSION:
        raise ProtocolError(f"wrong version {version}")
    try:
        type_ = Type(type_)
    except ValueError:
        raise ProtocolError(f"unknown type 0x{type_:02x}") from None
    payload = read(length)
    if len(payload) < length:
        raise ProtocolError("truncated frame")
    reader = _Reader(payload)
    fields = PAYLOADS[type_].decode(reader)
    reader.finish()
    return Frame(type_, request_id, fields)


def decode_frame(data: bytes, max_payload: int = MAX_PAYLOAD) -> Frame:
    """Decodes `data` as exactly one frame followed by EOF."""
    stream = io.BytesIO(data)
    frame = read_frame(stream.read, max_payload)
    if frame is None:
        raise ProtocolError("truncated frame")
    if stream.tell() != len(data):
        raise ValueError("data holds more than one frame")
    return frame


# --- A client connection (§Connection lifecycle, §Requests).


class Connection:
    """A client connection to a MailWire server listening on an AF_UNIX stream socket.

    Requests run one at a time; each gets the next request id, starting with 0 for HELLO.
    """

    def __init__(self, path: str | Path, name: bytes = b"mailwire.py", timeout: float = 30.0):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._sock.connect(str(path))
        self._name = name
        self._next_id = 0
        self._peer_max = MAX_PAYLOAD
        self.welcome: dict | None = None

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def hello(self) -> dict:
        """Handshake; returns the WELCOME fields (§Handshake)."""
        if self.welcome is not None:
            raise RuntimeError("hello() twice: a second HELLO is a protocol violation")
        request_id = self._send(
            Type.HELLO, {"version": VERSION, "max_payload": MAX_PAYLOAD, "name": self._name}
        )
        welcome = self._receive(request_id, Type.WELCOME).fields
        # §Handshake: the server answers with the version both speak, at most ours.
        if welcome["version"] != VERSION:
            self.close()
            raise ProtocolError(f"WELCOME with version {welcome['version']}")
        self._peer_max = welcome["max_payload"]
        self.welcome = welcome
        return welcome

    def queue_list(self) -> list[dict]:
        """The queue entries, oldest arrival first (§QUEUE_LIST)."""
        request_id = self._send(Type.QUEUE_LIST, {})
        return self._receive(request_id, Type.QUEUE_LISTING).fields["entries"]

    def rcpt_check(self, address: str) -> bytes:
        """OK's detail when `address` is a recipient here; RemoteError (550 5.1.1 for an
        unknown user) otherwise (§RCPT_CHECK)."""
        request_id = self._send(Type.RCPT_CHECK, {"address": address.encode()})
        return self._receive(request_id, Type.OK).fields["detail"]

    def queue_show(self, queue_id: bytes) -> dict:
        """One queued message in full (§QUEUE_SHOW)."""
        request_id = self._send(Type.QUEUE_SHOW, {"queue_id": queue_id})
        return self._receive(request_id, Type.QUEUE_DETAIL).fields

    def queue_control(self, action: str, queue_id: bytes = b"") -> bytes:
        """Applies `action` (a key of QUEUE_ACTIONS); returns OK's detail (§QUEUE_CONTROL)."""
        fields = {"action": QUEUE_ACTIONS[action], "queue_id": queue_id}
        request_id = self._send(Type.QUEUE_CONTROL, fields)
        return self._receive(request_id, Type.OK).fields["detail"]

    def queue_verify(self) -> dict:
        """Checks every queue file (§QUEUE_VERIFY)."""
        request_id = self._send(Type.QUEUE_VERIFY, {})
        return self._receive(request_id, Type.QUEUE_REPORT).fields

    def mailbox_list(self, user: str = "") -> list[dict]:
        """The mailbox entries of `user` ("" = the caller) (§MAILBOX_LIST)."""
        request_id = self._send(Type.MAILBOX_LIST, {"user": user.encode()})
        return self._receive(request_id, Type.MAILBOX_LISTING).fields["entries"]

    def mailbox_read(self, user: str, number: int) -> bytes:
        """Message `number` of `user`'s mailbox, as stored (§MAILBOX_READ)."""
        request_id = self._send(Type.MAILBOX_READ, {"user": user.encode(), "number": number})
        content = bytearray()
        while (frame := self._receive(request_id, Type.CHUNK, Type.OK)).type is Type.CHUNK:
            content += frame.fields["data"]
        return bytes(content)

    def _send(self, type_: Type, fields: dict) -> int:
        if (self.welcome is None) != (type_ is Type.HELLO):
            raise RuntimeError("HELLO must be the first frame and only the first (§Handshake)")
        request_id = self._next_id
        self._next_id = (request_id + 1) % 2**32
        self._sock.sendall(encode_frame(Frame(type_, request_id, fields), self._peer_max))
        return request_id

    def _receive(self, request_id: int, *expected: Type) -> Frame:
        """The next frame of the request in progress; raises RemoteError for ERROR."""
        try:
            frame = read_frame(self._read, MAX_PAYLOAD)
            if frame is None:
                raise ConnectionError("connection closed before the final answer")
            if frame.request_id != request_id:
                raise ProtocolError(f"request id {frame.request_id}, expected {request_id}")
            if frame.type is not Type.ERROR and frame.type not in expected:
                raise ProtocolError(f"unexpected {frame.type.name}")
        except (ProtocolError, ConnectionError):
            self.close()
            raise
        if frame.type is Type.ERROR:
            # §Errors: an ERROR with 5.3.5 reports a protocol violation; the server closes.
            if frame.fields["enhanced"] == b"5.3.5":
                self.close()
            raise RemoteError(**frame.fields)
        return frame

    def _read(self, n: int) -> bytes:
        buffer = bytearray()
        while len(buffer) < n:
            got = self._sock.recv(n - len(buffer))
            if not got:
                break
            buffer += got
        return bytes(buffer)


# --- Test vectors (§Test vectors).


@dataclass
class Vector:
    name: str
    valid: bool
    description: str
    data: bytes


_VECTOR_HEADING = re.compile(r"^### (vector|bad-vector): ", re.M)
_VECTOR = re.compile(
    r"^### (vector|bad-vector): (\S+)\n(.*?)\n```hex\n(.*?)\n```$", re.M | re.S
)
_HEX_LINE = re.compile(r"[0-9a-f]{2}( [0-9a-f]{2})*")


def vectors(path: str | Path) -> list[Vector]:
    """The vectors of the spec document at `path`, in document order.

    Strict, so a malformed vector fails loudly instead of being skipped.
    """
    text = Path(path).read_text(encoding="utf-8")
    found = []
    for match in _VECTOR.finditer(text):
        kind, name, description, block = match.groups()
        for line in block.split("\n"):
            if not _HEX_LINE.fullmatch(line):
                raise ValueError(f"vector {name}: bad hex line {line!r}")
        found.append(Vector(name, kind == "vector", description.strip(), bytes.fromhex(block)))
    if len(found) != len(_VECTOR_HEADING.findall(text)):
        raise ValueError("a vector heading is not followed by a description and a hex block")
    return found
