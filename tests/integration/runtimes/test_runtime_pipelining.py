# SPDX-License-Identifier: Apache-2.0
"""The node, python and C++ runtime clients pipeline: an invocation's result and the next
GET /invocation/next go out without waiting for the 202, on the same connection, and their
answers are read however they are cut or joined. When the server closes the connection with that
GET unanswered (a "Connection: close" 413), the GET is sent again once on a new connection; lost
twice in a row, the client gives up. Also: control characters in a node error's name are dropped
from the Lambda-Runtime-Function-Error-Type header.

These tests drive the client from a bare socket (RawRuntimeApi), so that they see each request as
it arrives and choose when, how and on which connection to answer it.
"""

import json
import os
import shutil
import socket
import textwrap
import time
import uuid

import pytest

from runtime_api_fake import API, TIMEOUT_S, RuntimeProcess, runtime_command
from test_custom_runtimes import CPP_ECHO

NEXT = f"{API}/invocation/next"
NODE_ECHO = textwrap.dedent("""
    exports.handler = async (event) => event;
""").lstrip()
PYTHON_ECHO = textwrap.dedent("""
    def handler(event, context):
        return event
""").lstrip()


def event_response(event):
    """(request id, the bytes of a GET /next answer delivering `event`)."""
    request_id = str(uuid.uuid4())
    body = json.dumps(event, ensure_ascii=False).encode()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Lambda-Runtime-Aws-Request-Id: {request_id}\r\n"
            "Lambda-Runtime-Deadline-Ms: 4102444800000\r\n"
            "Lambda-Runtime-Invoked-Function-Arn: "
            "arn:aws:lambda:us-east-1:123456789012:function:fake\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return request_id, head.encode() + body


class RawConnection:
    """One accepted runtime connection: reads whole requests, writes raw responses."""

    def __init__(self, sock):
        self._sock = sock
        self._sock.settimeout(TIMEOUT_S)
        self._buffer = b""

    def _fill(self):
        chunk = self._sock.recv(65536)
        if not chunk:
            raise EOFError("the runtime closed the connection")
        self._buffer += chunk

    def read_request(self):
        """(method, path, {lower-case name: value}, body) of the next request."""
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        while len(self._buffer) < length:
            self._fill()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return method, path, headers, body

    def respond(self, status, body=b"", close=False):
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        head += "Connection: close\r\n" if close else ""
        self._sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)

    def deliver(self, event, before=b""):
        """Answers a GET /next with `event`, in one send after the bytes `before`; returns its
        request id."""
        request_id, data = event_response(event)
        self._sock.sendall(before + data)
        return request_id

    def send_in_pieces(self, data, cuts):
        """Sends `data` cut at the offsets `cuts`, each piece on its own."""
        start = 0
        for cut in [*cuts, len(data)]:
            self._sock.sendall(data[start:cut])
            start = cut
            time.sleep(0.05)  # lets the client read each piece apart (no timing is asserted)

    def close(self):
        self._sock.close()


class RawRuntimeApi:
    """A listening socket standing in for the Runtime API."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TIMEOUT_S)
        self._connections = []

    @property
    def address(self):
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    def accept(self):
        connection = RawConnection(self._listener.accept()[0])
        self._connections.append(connection)
        return connection

    def close(self):
        for connection in self._connections:
            connection.close()
        self._listener.close()


@pytest.fixture
def raw_api():
    api = RawRuntimeApi()
    yield api
    api.close()


@pytest.fixture(params=["node", "python", "cpp"])
def client(request, raw_api, tmp_path):
    """A runtime client (node or python echo handler, or cpp-echo) started against raw_api."""
    task_root = tmp_path / "task"
    task_root.mkdir()
    if request.param == "node":
        (task_root / "index.js").write_text(NODE_ECHO)
        runtime, handler = "nodejs20.x", "index.handler"
    elif request.param == "python":
        (task_root / "lambda_function.py").write_text(PYTHON_ECHO)
        runtime, handler = "python3.12", "lambda_function.handler"
    else:
        if not os.access(CPP_ECHO, os.X_OK):
            pytest.skip(f"cpp-echo not built: {CPP_ECHO}")
        shutil.copy2(CPP_ECHO, task_root / "bootstrap")
        runtime, handler = "provided.al2023", "bootstrap"
    process = RuntimeProcess(raw_api, task_root, handler, runtime_command(runtime, task_root),
                             tmp_path / "runtime.log")
    process.kind = request.param
    yield process
    process.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"--- runtime log ---\n{process.log()}")


def check_pipelined_result(connection, request_id, event):
    """Reads the result of `request_id` (it must echo `event`) and the next GET /next, which
    must arrive before the result is answered."""
    method, path, _, body = connection.read_request()
    assert (method, path) == ("POST", f"{API}/invocation/{request_id}/response")
    assert json.loads(body) == event
    assert connection.read_request()[:2] == ("GET", NEXT)  # sent without waiting for the 202


def invoke_pipelined(connection, event, before=b""):
    """Delivers `event` on `connection` (its GET /next already read) and checks the result."""
    check_pipelined_result(connection, connection.deliver(event, before), event)


def test_result_and_next_get_go_out_before_the_202(raw_api, client):
    connection = raw_api.accept()
    assert connection.read_request()[:2] == ("GET", NEXT)
    invoke_pipelined(connection, {"n": 1})
    connection.respond(202, b'{"status":"OK"}')
    invoke_pipelined(connection, {"n": 2})


def test_responses_cut_anywhere_or_sent_together_are_read(raw_api, client):
    connection = raw_api.accept()
    assert connection.read_request()[:2] == ("GET", NEXT)
    # Cut inside the head's blank line and inside a two-byte character; a 1 MB body.
    event = {"text": "caf\u00e9", "blob": "x" * (1024 * 1024)}
    request_id, data = event_response(event)
    connection.send_in_pieces(data, [data.index(b"\r\n\r\n") + 2,
                                     data.index("\u00e9".encode()) + 1, len(data) // 2])
    check_pipelined_result(connection, request_id, event)
    # The 202 and the next event in one send.
    ack = b'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}'
    invoke_pipelined(connection, {"n": 2}, before=ack)


def test_unanswered_next_is_sent_again_once_on_a_new_connection(raw_api, client):
    first = raw_api.accept()
    assert first.read_request()[:2] == ("GET", NEXT)
    invoke_pipelined(first, {"n": 1})
    # As lambdahost answers a result too large to read: 413, then the connection closes.
    first.respond(413, b'{"errorType":"Function.ResponseSizeTooLarge"}', close=True)
    first.close()
    second = raw_api.accept()
    assert second.read_request()[:2] == ("GET", NEXT)
    invoke_pipelined(second, {"n": 2})
    # Lost again: sent once more on a third connection; lost there too, the client gives up.
    second.respond(202, b'{"status":"OK"}')
    second.close()
    third = raw_api.accept()
    assert third.read_request()[:2] == ("GET", NEXT)
    third.close()
    if client.kind == "node":
        # AWS: a failed loop is an "Unexpected Top Level Error", reported, exit 129.
        fourth = raw_api.accept()
        method, path, _, _ = fourth.read_request()
        assert method == "POST" and path.endswith("/error")
        fourth.respond(202, b'{"status":"OK"}')
        assert client.wait() == 129
    elif client.kind == "python":
        assert client.wait() == 1  # the loop's exception ends the process, as AWS's client's
    else:
        assert client.wait() == 0


def test_node_error_type_header_drops_control_characters(fake_api, start_runtime):
    start_runtime("nodejs20.x", {"index.js": textwrap.dedent("""
        exports.handler = async () => {
            const error = new Error('boom');
            error.name = 'Bad\\r\\nName\\x7f';
            throw error;
        };
    """).lstrip()}, "index.handler")
    outcome = fake_api.call({})
    assert outcome.kind == "error"
    assert outcome.headers["lambda-runtime-function-error-type"] == "BadName"
    assert outcome.json()["errorType"] == "Bad\r\nName\x7f"
