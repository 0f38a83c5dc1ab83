# SPDX-License-Identifier: Apache-2.0
"""`lambdahost logs FUNCTION [--follow]` prints what the function logged (START, its output,
END, REPORT) from the data directory, and with --follow what later invocations append."""

import selectors
import subprocess
import time

from invoke_support import deploy, dedent, invoke_ok, python_zip
from support.server import binary_path

HANDLER = dedent("""
    def handler(event, context):
        print("marker", event["n"])
        return event
""")


def logs_command(server, name, *args):
    return [binary_path(), "logs", name, "--data-dir", str(server.data_dir), *args]


def read_until(process, needle, timeout=10.0):
    """Reads the follower's stdout until `needle` appears; returns everything read."""
    seen = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while needle not in seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{needle!r} not printed; got {seen!r}"
            if selector.select(remaining):
                chunk = process.stdout.read1(65536).decode()
                assert chunk, f"follower exited before printing {needle!r}; got {seen!r}"
                seen += chunk
    return seen


def test_logs_prints_and_follows_invocations(server, lambda_client):
    name = deploy(lambda_client, python_zip(HANDLER), prefix="logs-cmd")
    invoke_ok(lambda_client, name, {"n": 1})
    follower = subprocess.Popen(logs_command(server, name, "--follow"), stdout=subprocess.PIPE)
    try:
        first = read_until(follower, "marker 1")
        assert "START RequestId:" in first
        invoke_ok(lambda_client, name, {"n": 2})
        later = read_until(follower, "REPORT RequestId:", timeout=10.0)
        later += read_until(follower, "marker 2") if "marker 2" not in first + later else ""
    finally:
        follower.kill()
        follower.wait()

    printed = subprocess.run(logs_command(server, name), capture_output=True, check=True,
                             timeout=30).stdout.decode()
    assert printed.count("START RequestId:") == 2, printed
    assert "marker 1" in printed and "marker 2" in printed
    assert printed.count("REPORT RequestId:") == 2


def test_logs_of_a_function_that_never_ran_is_empty(server):
    printed = subprocess.run(logs_command(server, "never-invoked"), capture_output=True,
                             check=True, timeout=30)
    assert printed.stdout == b""


def test_logs_rejects_a_malformed_function_name(server):
    result = subprocess.run(logs_command(server, "bad name!"), capture_output=True, timeout=30)
    assert result.returncode == 1
    assert b"functionName" in result.stderr
