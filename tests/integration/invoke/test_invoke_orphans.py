# SPDX-License-Identifier: Apache-2.0
"""No orphans (issue 4 §8): after the server is stopped, with SIGTERM or killed with SIGKILL
(only the server's pid, not its process group), none of the function processes it started is
left running. The functions carry a unique environment variable, inherited by everything they
start (the bash bootstrap's parked curl too): the sweep looks for any process whose environment
or command line holds it or names the server's data dir. Pids reported by the functions would
not do: in a namespace sandbox a function sees its own pid namespace."""

import os
import pathlib
import signal
import time
import uuid

import pytest

from invoke_support import SERVER_ARGS, deploy, invoke_ok, provided_zip, python_zip
from support import server as server_module

SETTLE_SECONDS = 5.0

PYTHON_PID = """
import os

def handler(event, context):
    return os.getpid()
"""

BASH_PID = r"""
#!/bin/bash
while true; do
  headers="$(mktemp)"
  api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
  curl -sS -D "$headers" -o /dev/null "$api/next"
  id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null "$api/$id/response" -d "$$"
done
"""


def is_running(pid):
    """True for a live process; a zombie (exited, awaiting its reaper) is not running."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def processes_naming(texts):
    """{pid: command line} of running processes (not this one) whose cmdline or environ
    contains one of `texts`."""
    needles = [text.encode() for text in texts]
    found = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                data = (entry / part).read_bytes()
            except OSError:  # gone meanwhile, or not ours to read
                continue
            if any(needle in data for needle in needles) and is_running(int(entry.name)):
                found[int(entry.name)] = data.replace(b"\0", b" ").decode(errors="replace")[:200]
                break
    return found


def survivors(needles):
    return processes_naming(needles)


@pytest.mark.parametrize("stop_signal", ["SIGKILL", "SIGTERM"])
def test_no_function_process_survives_the_server(tmp_path_factory, stop_signal):
    server = server_module.Server(tmp_path_factory.mktemp("orphans"), SERVER_ARGS).start()
    mark = f"LAMBDAHOST_ORPHAN_MARK={uuid.uuid4()}"
    needles = {mark, str(server.data_dir), os.path.realpath(server.data_dir)}
    variables = {"Environment": {"Variables": dict([mark.split("=")])}}
    left = {}
    try:
        client = server.client()
        python = deploy(client, python_zip(PYTHON_PID), prefix="orphan-py", **variables)
        provided = deploy(client, provided_zip(BASH_PID), runtime="provided.al2023",
                          handler="unused.handler", prefix="orphan-provided", **variables)
        invoke_ok(client, python, {})
        invoke_ok(client, provided, {})
        # The sweep must see both runtimes, or its silence afterwards would prove nothing.
        assert len(processes_naming({mark})) >= 2, processes_naming({mark})

        if stop_signal == "SIGKILL":
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
        else:
            server.stop()  # SIGTERM, exit 0 required

        deadline = time.monotonic() + SETTLE_SECONDS
        left = survivors(needles)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = survivors(needles)
        assert not left, (
            f"{len(left)} process(es) still running {SETTLE_SECONDS} s after {stop_signal} "
            f"of the server: {left}"
        )
    finally:
        for pid in left:  # do not leak what the failed server left behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server.kill()  # reaps (and forgets) the server if it is still known
