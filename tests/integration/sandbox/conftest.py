# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the sandbox tests (issue 7): the invoke helpers (tests/integration/invoke) and a
module server with this checkout's runtimes, in the default isolation (namespace when root)."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "invoke"))

from invoke_support import SERVER_ARGS  # noqa: E402
from support import server as server_module  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = server_module.Server(tmp_path_factory.mktemp("lambdahost"), SERVER_ARGS).start()
    try:
        yield started
    finally:
        try:
            started.stop()
        except BaseException:
            started.kill()
            raise


@pytest.fixture(scope="module")
def sandbox(server):
    """GET /health's sandbox status; tests of a mechanism skip when the host lacks it."""
    return server.sandbox()

