# SPDX-License-Identifier: Apache-2.0
"""A deployment package outlives the environments running it: an invoke in flight while
UpdateFunctionCode or DeleteFunction drops the package still reads its code directory, and the
package leaves <data-dir>/code only once those environments are gone (facts §3.5: the in-flight
call finishes on the old code).

The handler parks until the test lets it go (a file in its TMPDIR), so "in flight" is a fact,
not a timing guess.
"""

import concurrent.futures
import hashlib
import time

import pytest

from invoke_support import deploy, invoke, invoke_ok, python_zip
from support import zips
from support.functions import wait_updated

PARKING_HANDLER = """
    import os, pathlib, tempfile, time

    def handler(event, context):
        if event.get("park"):
            tmp = pathlib.Path(tempfile.gettempdir())
            (tmp / "started").write_text(context.aws_request_id)
            for _ in range(600):  # at most 30 s
                if (tmp / "go").exists():
                    break
                time.sleep(0.05)
        # Read from the code directory after the package was replaced or deleted.
        return (pathlib.Path(os.environ["LAMBDA_TASK_ROOT"]) / "data.txt").read_text()
"""
WAIT_S = 30


def package(data):
    return python_zip(PARKING_HANDLER, extra_files={"data.txt": data})


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def parked_invoke(server, lambda_client, name, pool):
    """Starts an invoke that parks in the handler; returns (its future, the go file)."""
    data_dir = server.seen_by_server(server.data_dir)  # environments' /tmp mounts are there
    before = set(data_dir.glob("envs/*/tmp/started"))
    future = pool.submit(invoke, lambda_client, name, {"park": True})
    found = []

    def started():
        found[:] = set(data_dir.glob("envs/*/tmp/started")) - before
        return bool(found)

    wait_for(started, "the invoke to reach the handler")
    return future, found[0].with_name("go")


def package_paths(server, zip_bytes):
    sha = hashlib.sha256(zip_bytes).hexdigest()
    return server.data_dir / "code" / sha, server.data_dir / "code" / f"{sha}.zip"


def gone(paths):
    return not any(path.exists() for path in paths)


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


def test_update_lets_the_invoke_in_flight_finish_on_the_old_package(server, lambda_client,
                                                                    pool):
    old_zip, new_zip = package("old code"), package("new code")
    name = deploy(lambda_client, old_zip)
    old_paths = package_paths(server, old_zip)
    in_flight, go = parked_invoke(server, lambda_client, name, pool)

    lambda_client.update_function_code(FunctionName=name, ZipFile=new_zip)
    wait_updated(lambda_client, name)
    assert invoke_ok(lambda_client, name, {}) == "new code"
    assert all(path.exists() for path in old_paths)  # still in use

    go.write_text("")
    result = in_flight.result(timeout=WAIT_S)
    assert (result.status, result.function_error, result.json()) == (200, "", "old code")
    # Its environment retires once the invoke is answered; then the package goes.
    wait_for(lambda: gone(old_paths), "the replaced package to be deleted")
    assert invoke_ok(lambda_client, name, {}) == "new code"


def test_delete_lets_the_invoke_in_flight_finish_then_removes_the_package(server,
                                                                          lambda_client, pool):
    zip_bytes = package("doomed code")
    name = deploy(lambda_client, zip_bytes)
    paths = package_paths(server, zip_bytes)
    in_flight, go = parked_invoke(server, lambda_client, name, pool)

    lambda_client.delete_function(FunctionName=name)
    assert all(path.exists() for path in paths)

    go.write_text("")
    result = in_flight.result(timeout=WAIT_S)
    assert (result.status, result.function_error, result.json()) == (200, "", "doomed code")
    wait_for(lambda: gone(paths), "the deleted function's package to be deleted")


def test_delete_removes_the_package_of_idle_warm_environments(server, lambda_client):
    zip_bytes = package("warm code")
    name = deploy(lambda_client, zip_bytes)
    assert invoke_ok(lambda_client, name, {}) == "warm code"  # an idle environment remains
    lambda_client.delete_function(FunctionName=name)
    # Not kept for the keep-alive (10 min): the idle environment stops with the function.
    wait_for(lambda: gone(package_paths(server, zip_bytes)), "the package to be deleted")


def test_a_package_shared_with_another_function_stays(server, lambda_client):
    zip_bytes = zips.package_zip({"lambda_function.py": "def handler(e, c):\n    return 1\n"})
    kept, doomed = deploy(lambda_client, zip_bytes), deploy(lambda_client, zip_bytes)
    assert invoke_ok(lambda_client, doomed, {}) == 1
    lambda_client.delete_function(FunctionName=doomed)
    assert invoke_ok(lambda_client, kept, {}) == 1
    assert all(path.exists() for path in package_paths(server, zip_bytes))
