# SPDX-License-Identifier: Apache-2.0
"""A small fake of the Lambda Runtime API (2018-06-01), to test runtime clients without lambdahost.

`FakeRuntimeApi` serves GET /invocation/next (blocking until `invoke()` queues an event, or
`refuse_next()` queues an error status),
records POST /invocation/{id}/response|error and /init/error, and lets a test wait for each
outcome. It runs a ThreadingHTTPServer on 127.0.0.1, port 0, in a daemon thread; HTTP/1.1 so
clients keep their connection alive as they would against lambdahost. `RuntimeProcess` starts a
runtime client with the environment contract of docs/engine (nothing inherited) and keeps its
output for assertions.
"""

import http.server
import json
import os
import queue
import socket
import subprocess
import threading
import time
import uuid

API = "/2018-06-01/runtime"
TIMEOUT_S = 15
INTERPRETERS = {"python": ["/usr/bin/python3"], "nodejs": ["/usr/bin/node"]}
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RUNTIMES_DIR = os.path.join(REPO, "runtimes")


class Outcome:
    """What a runtime posted for one invocation (or for init)."""

    def __init__(self, kind, body, headers):
        self.kind = kind  # "response", "error" or "init_error"
        self.body = body
        self.headers = headers

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Outcome({self.kind}, {self.body[:500]!r})"


class FakeRuntimeApi:
    def __init__(self):
        self._pending = queue.Queue()  # (status, headers, payload) for GET next
        self._outcomes = {}  # request id ("init" for init errors) -> queue of Outcome
        self._lock = threading.Lock()
        self.connections = 0  # TCP connections accepted: 1 means the client kept alive
        self._sockets = []  # accepted connections, closed by close() as a dying server would
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with api._lock:
                    api.connections += 1
                    api._sockets.append(self.request)

            def log_message(self, *args):
                del args

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != API + "/invocation/next":
                    return self._reply(404)
                status, headers, payload = api._pending.get()
                self._reply(status, payload, headers)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                parts = self.path[len(API):].strip("/").split("/")
                if parts == ["init", "error"]:
                    api._outcome("init").put(Outcome("init_error", body, headers))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in (
                        "response", "error"):
                    api._outcome(parts[1]).put(Outcome(parts[2], body, headers))
                else:
                    return self._reply(404)
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                del request, client_address  # a killed runtime resets its connection: expected

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self._server.server_address[1]}"

    def _outcome(self, key):
        with self._lock:
            return self._outcomes.setdefault(key, queue.Queue())

    def invoke(self, event, *, payload=None, timeout_ms=30000, client_context=None,
               cognito_identity=None, trace_id=None, arn=None, header_overrides=None):
        """Queues one invocation and returns its request id. `header_overrides` replaces
        headers ({name: value}; None removes the header)."""
        request_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn":
                arn or "arn:aws:lambda:us-east-1:123456789012:function:fake",
        }
        if trace_id:
            headers["Lambda-Runtime-Trace-Id"] = trace_id
        if client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(client_context)
        if cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(cognito_identity)
        for name, value in (header_overrides or {}).items():
            headers.pop(name, None)
            if value is not None:
                headers[name] = value
        body = payload if payload is not None else json.dumps(event).encode()
        self._pending.put((200, headers, body))
        return request_id

    def refuse_next(self, status, times=1):
        """The next `times` GET /invocation/next get `status` instead of an event."""
        body = json.dumps({"errorMessage": "refused by the test", "errorType": "Refused"}).encode()
        for _ in range(times):
            self._pending.put((status, {"Content-Type": "application/json"}, body))

    def outcome(self, request_id, timeout=TIMEOUT_S):
        return self._outcome(request_id).get(timeout=timeout)

    def call(self, event, **kwargs):
        """Invokes and waits: returns the Outcome."""
        return self.outcome(self.invoke(event, **kwargs))

    def init_error(self, timeout=TIMEOUT_S):
        return self._outcome("init").get(timeout=timeout)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by the client


class RuntimeProcess:
    """A runtime client process (python, nodejs, or a bootstrap path) against a FakeRuntimeApi."""

    def __init__(self, api, task_root, handler, command, log_path, extra_env=None):
        env = {
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "fake",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fake",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
        }
        env.update(extra_env or {})
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, cwd=task_root, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def log(self):
        return open(self.log_path, encoding="utf-8", errors="replace").read()

    def wait(self, timeout=TIMEOUT_S):
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=TIMEOUT_S)
        self._log.close()


def runtime_command(runtime, task_root):
    """The command runtimes/runtimes.json maps `runtime` to, with its variables expanded."""
    with open(os.path.join(RUNTIMES_DIR, "runtimes.json"), encoding="utf-8") as f:
        command = json.load(f)[runtime]["command"]
    return [part.replace("${RUNTIMES_DIR}", RUNTIMES_DIR)
            .replace("${LAMBDA_TASK_ROOT}", str(task_root)) for part in command]
