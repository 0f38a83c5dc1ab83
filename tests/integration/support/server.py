# SPDX-License-Identifier: Apache-2.0
"""One lambdahost process under test.

`Server.start()` runs `$LAMBDAHOST_BIN serve --host 127.0.0.1 --port 0 --data-dir <dir>`, reads
the single ready line `lambdahost listening on http://127.0.0.1:<port>` from stdout (with a
timeout) and waits for GET /health. `stop()` sends SIGTERM and requires exit code 0 and nothing
more on stdout; anything that goes wrong on the way kills the whole process group, so no test
leaks a process. `restart()` starts a new process on the same data dir (the port changes).

The server runs in its own session (process group): a later server spawning function processes
is cleaned up by the same group kill. stderr goes to <base>/server.log, quoted on failures.
"""

import atexit
import contextlib
import json
import os
import pathlib
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request

from support import clients

DEFAULT_BINARY = "/work/main/build/lambdahost"
READY_LINE = re.compile(r"lambdahost listening on http://127\.0\.0\.1:(\d+)")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0

_running = set()  # Server objects with a live process; killed at exit if a test leaked one


def binary_path():
    return os.environ.get("LAMBDAHOST_BIN") or DEFAULT_BINARY


class ServerFailure(AssertionError):
    pass


class Server:
    def __init__(self, base_dir, extra_args=()):
        self.base_dir = pathlib.Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "server.log"
        self.extra_args = [str(arg) for arg in extra_args]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = None
        self.port = None
        self.starts = 0
        self._stdout_lines = None
        self._pump = None

    # --- process control --------------------------------------------------------------

    def start(self):
        assert self.process is None, "server already running"
        command = [
            binary_path(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        # The server reads LAMBDAHOST_<FLAG> variables as flag defaults: keep them out.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAMBDAHOST_")}
        with open(self.log_path, "ab") as log:
            log.write(f"--- start #{self.starts + 1}: {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        self.starts += 1
        _running.add(self)
        try:
            self.port = self._read_port()
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self):
        """SIGTERM, then require a clean exit (code 0) with nothing more on stdout."""
        if self.process is None:
            return
        process = self.process
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerFailure(
                f"server did not exit within {STOP_TIMEOUT} s of SIGTERM\n{self.log_tail()}"
            )
        self._forget()
        if code != 0:
            raise ServerFailure(f"server exited with {code} after SIGTERM\n{self.log_tail()}")
        extra = self._stdout_lines[1:]
        if extra:
            raise ServerFailure(f"server printed more than the ready line on stdout: {extra}")

    def kill(self):
        """SIGKILL the server's process group (it and anything it spawned) and reap it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._forget()

    def restart(self):
        self.stop()
        return self.start()

    def _forget(self):
        if self._pump is not None:
            self._pump.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        _running.discard(self)
        self.process = None
        self.port = None

    def _read_port(self):
        """Returns the port from the ready line; a background thread keeps draining stdout so
        a chatty server can never block on a full pipe."""
        lines = queue.Queue()
        self._stdout_lines = []

        def pump(stream, sink, seen):
            for raw in stream:
                line = raw.decode(errors="replace").rstrip("\r\n")
                seen.append(line)
                sink.put(line)
            sink.put(None)

        self._pump = threading.Thread(
            target=pump, args=(self.process.stdout, lines, self._stdout_lines), daemon=True
        )
        self._pump.start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise ServerFailure(
                f"no ready line on stdout within {START_TIMEOUT} s\n{self.log_tail()}"
            ) from None
        if first is None:
            code = self.process.wait(timeout=5)
            raise ServerFailure(f"server exited with {code} before it was ready\n{self.log_tail()}")
        match = READY_LINE.fullmatch(first)
        if match is None:
            raise ServerFailure(f"unexpected first stdout line {first!r}\n{self.log_tail()}")
        return int(match.group(1))

    def _wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailure(
                    f"server exited with {self.process.returncode}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=5) as response:
                    body = json.loads(response.read())
                    if response.status == 200 and body.get("status") == "ok":
                        return
                    last = (response.status, body)
            except OSError as error:  # refused, reset, HTTPError: not ready yet
                last = error
            time.sleep(0.05)
        raise ServerFailure(f"GET /health never answered 200 {{'status':'ok'}}: {last}")

    # --- talking to it ----------------------------------------------------------------

    @property
    def endpoint(self):
        assert self.port is not None, "server is not running"
        return f"http://127.0.0.1:{self.port}"

    def client(
        self, region=clients.DEFAULT_REGION, access_key=clients.DUMMY_ACCESS_KEY, validate=True
    ):
        return clients.boto_client(self.endpoint, region, access_key, validate)

    def seen_by_server(self, path):
        """`path` as the server sees it: through /proc/<pid>/root, in its own mount namespace,
        where environments' /tmp (a tmpfs under <data-dir>/envs/) is mounted."""
        assert self.process is not None, "server is not running"
        return pathlib.Path(f"/proc/{self.process.pid}/root") / pathlib.Path(path).relative_to("/")

    def sandbox(self):
        """GET /health's "sandbox": isolation, cgroups, enforced and unenforced limits."""
        with urllib.request.urlopen(self.endpoint + "/health", timeout=5) as response:
            return json.loads(response.read())["sandbox"]

    def isolation(self):
        """"namespace" or "process": how this server isolates functions."""
        return self.sandbox()["isolation"]

    def request(self, method, path, body=b"", operation=None, **kwargs):
        return clients.raw_request(self.endpoint, method, path, body, operation=operation, **kwargs)

    def call(self, operation, method, path, payload=None, **kwargs):
        """A signed raw request with a JSON payload, checked by the oracle as `operation`."""
        body = b"" if payload is None else json.dumps(payload).encode()
        return self.request(method, path, body, operation=operation, **kwargs)

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "server.log (tail):\n" + "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def serving(base_dir, extra_args=()):
    """A started Server, stopped on exit (SIGTERM, must exit 0) or killed if stopping fails."""
    started = Server(base_dir, extra_args).start()
    try:
        yield started
    finally:
        try:
            started.stop()
        except BaseException:
            started.kill()
            raise


def running_servers():
    return list(_running)


def kill_all():
    for server in list(_running):
        server.kill()


atexit.register(kill_all)
