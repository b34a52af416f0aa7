"""The test vectors of protocols/mailwire.md against the independent Python codec.

Each valid vector must decode to the frame its sentence describes (EXPECTED below) and
re-encode byte for byte; each bad vector must be refused for the reason its sentence gives.
The Swift tests read the same vectors, so the two codecs agree through the document.
"""

import struct
from pathlib import Path

import pytest

from mailwire import HEADER, Frame, ProtocolError, Type, decode_frame, encode_frame, vectors

SPEC = Path(__file__).resolve().parents[2] / "protocols" / "mailwire.md"
QID = b"4bQk7Tm9XzB2c1"

# The frames the vector sentences describe, by vector name.
EXPECTED = {
    "hello": Frame(Type.HELLO, 0, {"version": 1, "max_payload": 1_048_576, "name": b"tern-submitd"}),
    "welcome": Frame(Type.WELCOME, 0, {"version": 1, "max_payload": 1_048_576, "name": b"tern-mtad"}),
    "error": Frame(Type.ERROR, 7, {"code": 451, "enhanced": b"4.3.0", "text": b"queue write failed"}),
    "ok": Frame(Type.OK, 8, {"detail": b"message discarded"}),
    "chunk": Frame(Type.CHUNK, 7, {"data": b"Subject: hi\r\n\r\nbody\r\n"}),
    "enqueue": Frame(
        Type.ENQUEUE,
        7,
        {
            "reverse_path": b"alice@example.org",
            "forward_paths": [b"bob@localhost", b"carol@localhost"],
            "body_type": 1,
            "declared_size": 0,
            "flags": 0,
            "ret": 2,
            "envid": b"QQ314159",
            "recipient_dsn": [
                {"notify": 3, "orcpt": b"rfc822;bob@example.org"},
                {"notify": 0, "orcpt": b""},
            ],
        },
    ),
    "queue-id": Frame(Type.QUEUE_ID, 7, {"queue_id": QID}),
    "commit": Frame(Type.COMMIT, 7, {"total": 23}),
    "queued": Frame(Type.QUEUED, 7, {"queue_id": QID}),
    "abort": Frame(Type.ABORT, 8, {}),
    "deliver": Frame(
        Type.DELIVER,
        1,
        {
            "queue_id": QID,
            "reverse_path": b"",
            "arrival": 1_764_000_000,
            "flags": 1,
            "recipients": [b"bob@localhost"],
        },
    ),
    "end": Frame(Type.END, 1, {"total": 23}),
    "delivered": Frame(
        Type.DELIVERED, 1, {"results": [{"code": 250, "enhanced": b"2.0.0", "text": b"delivered"}]}
    ),
    "rcpt-check": Frame(Type.RCPT_CHECK, 3, {"address": b"bob@localhost"}),
    "queue-list": Frame(Type.QUEUE_LIST, 1, {}),
    "queue-listing": Frame(
        Type.QUEUE_LISTING,
        1,
        {
            "entries": [
                {
                    "queue_id": QID,
                    "size": 23,
                    "arrival": 1_764_000_000,
                    "reverse_path": b"alice@example.org",
                    "next_attempt": 1_764_000_900,
                    "attempts": 1,
                    "flags": 0,
                    "recipients": [
                        {"address": b"bob@localhost", "state": 0, "last_reply": b""},
                        {
                            "address": b"dave@example.net",
                            "state": 2,
                            "last_reply": b"451 4.4.1 no answer from host",
                        },
                    ],
                }
            ]
        },
    ),
    "queue-show": Frame(Type.QUEUE_SHOW, 1, {"queue_id": QID}),
    "queue-detail": Frame(
        Type.QUEUE_DETAIL,
        1,
        {
            "entry": {
                "queue_id": QID,
                "size": 23,
                "arrival": 1_764_000_000,
                "reverse_path": b"alice@example.org",
                "next_attempt": 0,
                "attempts": 0,
                "flags": 1,
                "recipients": [{"address": b"bob@localhost", "state": 0, "last_reply": b""}],
            },
            "envelope_id": b"QQ314159",
            "ret": 2,
            "headers": b"Subject: hi\r\n",
        },
    ),
    "queue-control": Frame(Type.QUEUE_CONTROL, 1, {"action": 2, "queue_id": QID}),
    "queue-control-flush-all": Frame(Type.QUEUE_CONTROL, 1, {"action": 1, "queue_id": b""}),
    "queue-verify": Frame(Type.QUEUE_VERIFY, 1, {}),
    "queue-report": Frame(
        Type.QUEUE_REPORT,
        1,
        {"checked": 2, "problems": [{"name": QID, "reason": b"checksum mismatch"}]},
    ),
    "mailbox-list": Frame(Type.MAILBOX_LIST, 1, {"user": b""}),
    "mailbox-listing": Frame(
        Type.MAILBOX_LISTING,
        1,
        {
            "entries": [
                {
                    "number": 1,
                    "date": 1_764_000_005,
                    "from": b"Alice <alice@example.org>",
                    "subject": b"hi",
                    "size": 412,
                    "seen": 0,
                }
            ]
        },
    ),
    "mailbox-read": Frame(Type.MAILBOX_READ, 2, {"user": b"bob", "number": 3}),
}

# The bad vectors: their octets, and the reason the decoder must give.
BAD = {
    "oversize": (HEADER.pack(1_048_577, 1, Type.CHUNK, 0, 7), "oversize"),
    "wrong-version": (HEADER.pack(0, 2, Type.QUEUE_LIST, 0, 1), "wrong version"),
    "unknown-type": (HEADER.pack(0, 1, 0x7F, 0, 1), "unknown type"),
    "truncated": (HEADER.pack(10, 1, Type.CHUNK, 0, 7) + b"Subj", "truncated"),
    "leftover": (HEADER.pack(9, 1, Type.COMMIT, 0, 7) + struct.pack(">Q", 23) + b"\0", "leftover"),
}

ALL = vectors(SPEC)
VALID = [v for v in ALL if v.valid]
INVALID = [v for v in ALL if not v.valid]


def test_document_has_exactly_the_expected_vectors():
    assert [v.name for v in VALID] == list(EXPECTED)
    assert [v.name for v in INVALID] == list(BAD)


@pytest.mark.parametrize("vector", VALID, ids=lambda v: v.name)
def test_valid_vector_decodes_and_reencodes(vector):
    frame = decode_frame(vector.data)
    assert frame == EXPECTED[vector.name]
    assert encode_frame(frame) == vector.data


@pytest.mark.parametrize("vector", INVALID, ids=lambda v: v.name)
def test_bad_vector_is_refused(vector):
    data, reason = BAD[vector.name]
    assert vector.data == data
    with pytest.raises(ProtocolError, match=reason):
        decode_frame(vector.data)
