"""mailwire.Connection against a scripted fake server on an AF_UNIX socket.

Covers the client side of protocols/mailwire.md §Connection lifecycle and §Requests, so the
client is known good before it is pointed at the real daemons' sockets.
"""

import socket
import threading

import pytest

from mailwire import Connection, Frame, ProtocolError, RemoteError, Type, encode_frame, read_frame

LISTED = {"number": 1, "date": 1_764_000_005, "from": b"a@b", "subject": b"hi", "size": 6, "seen": 0}


def fake_deliverd(frame):
    """The frames a well-behaved server answers `frame` with."""
    rid = frame.request_id
    if frame.type is Type.HELLO:
        return [Frame(Type.WELCOME, rid, {"version": 1, "max_payload": 65_536, "name": b"fake"})]
    if frame.type is Type.MAILBOX_LIST:
        return [Frame(Type.MAILBOX_LISTING, rid, {"entries": [LISTED]})]
    if frame.type is Type.MAILBOX_READ and frame.fields["number"] == 1:
        return [
            Frame(Type.CHUNK, rid, {"data": b"hi\r\n"}),
            Frame(Type.CHUNK, rid, {"data": b"\r\n"}),
            Frame(Type.OK, rid, {"detail": b""}),
        ]
    if frame.type is Type.MAILBOX_READ:
        return [Frame(Type.ERROR, rid, {"code": 550, "enhanced": b"5.2.0", "text": b"no such message"})]
    # A QUEUE_LISTING under the wrong request id: a protocol violation for the client.
    return [Frame(Type.QUEUE_LISTING, rid + 1, {"entries": []})]


@pytest.fixture
def server(tmp_path):
    """Serves one connection with fake_deliverd; yields (socket path, frames received)."""
    path = tmp_path / "deliver.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    received = []

    def run():
        connection, _ = listener.accept()
        with connection, connection.makefile("rb") as stream:
            while (frame := read_frame(stream.read)) is not None:
                received.append(frame)
                for answer in fake_deliverd(frame):
                    connection.sendall(encode_frame(answer))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield path, received
    thread.join(timeout=5)
    listener.close()


def test_requests_run_in_order_with_counting_ids(server):
    path, received = server
    with Connection(path) as connection:
        assert connection.hello()["name"] == b"fake"
        assert connection.mailbox_list() == [LISTED]
        assert connection.mailbox_read("bob", 1) == b"hi\r\n\r\n"
    assert [(f.type, f.request_id) for f in received] == [
        (Type.HELLO, 0),
        (Type.MAILBOX_LIST, 1),
        (Type.MAILBOX_READ, 2),
    ]
    assert received[1].fields == {"user": b""}


def test_error_answer_is_raised_and_the_connection_goes_on(server):
    path, _ = server
    with Connection(path) as connection:
        connection.hello()
        with pytest.raises(RemoteError) as error:
            connection.mailbox_read("bob", 9)
        assert (error.value.code, error.value.enhanced) == (550, b"5.2.0")
        assert connection.mailbox_list() == [LISTED]


def test_wrong_request_id_closes_the_connection(server):
    path, _ = server
    with Connection(path) as connection:
        connection.hello()
        with pytest.raises(ProtocolError, match="request id"):
            connection.queue_list()
        with pytest.raises(OSError):
            connection.mailbox_list()


def test_no_request_before_hello(server):
    path, received = server
    with Connection(path) as connection:
        with pytest.raises(RuntimeError):
            connection.queue_list()
    assert received == []
