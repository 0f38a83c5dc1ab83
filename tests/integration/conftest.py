# SPDX-License-Identifier: Apache-2.0
"""Fixtures shared by every integration test.

Each test module gets one server (`server`, started on port 0 with a fresh data dir) that its
tests share: tests use unique function names, or a fresh 12-digit account when they count or
list, so they never see each other's functions. Tests that need their own server settings or a
restart use `server_factory`. Servers are always stopped with SIGTERM and must exit 0; on any
failure the process group is killed, so nothing leaks.

Run by hand from this directory:  /usr/bin/python3 -m pytest -q
(LAMBDAHOST_BIN selects the binary; default /work/main/build/lambdahost).
"""

import os

import pytest

from support import clients, server as server_module, zips


def pytest_report_header(config):
    del config
    return f"lambdahost binary: {server_module.binary_path()}"


def pytest_sessionstart(session):
    del session
    binary = server_module.binary_path()
    if not os.access(binary, os.X_OK):
        pytest.exit(f"lambdahost binary not found or not executable: {binary} "
                    "(build it, or set LAMBDAHOST_BIN)", returncode=2)


def pytest_sessionfinish(session, exitstatus):
    del session, exitstatus
    server_module.kill_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    del call
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def _server_log_on_failure(request):
    """Prints the tail of every running server's log when a test fails."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for running in server_module.running_servers():
            print(running.log_tail())


class ServerFactory:
    """Starts servers for one test and stops them all (SIGTERM, exit 0) at its end."""

    def __init__(self, tmp_path_factory):
        self._tmp_path_factory = tmp_path_factory
        self._servers = []

    def __call__(self, *extra_args, base_dir=None):
        base = base_dir or self._tmp_path_factory.mktemp("lambdahost")
        started = server_module.Server(base, extra_args)
        self._servers.append(started)
        return started.start()

    def stop_all(self):
        failures = []
        for started in self._servers:
            try:
                started.stop()
            except BaseException as error:  # keep stopping the others, then report
                started.kill()
                failures.append(error)
        if failures:
            raise failures[0]


@pytest.fixture
def server_factory(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server per test module (default settings)."""
    factory = ServerFactory(tmp_path_factory)
    try:
        yield factory()
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def lambda_client(server):
    """boto3 Lambda client: us-east-1, dummy credentials, retries off, oracle-checked."""
    return server.client()


@pytest.fixture(scope="module")
def aws(server, tmp_path_factory):
    """aws-cli v2 against `server`: aws(*args, region=, access_key=) -> (code, json, stderr)."""
    return clients.AwsCli(server.endpoint, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture(scope="session")
def zip_bomb():
    """300 MB of zeros deflated to ~300 KB; built once per session."""
    return zips.zip_bomb()
