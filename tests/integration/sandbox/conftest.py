# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the sandbox tests (issue 7): the invoke helpers (tests/integration/invoke) and a
module server with this checkout's runtimes, in the default isolation (namespace when root)."""

import pytest

from invoke_support import SERVER_ARGS
from support import server as server_module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with server_module.serving(tmp_path_factory.mktemp("lambdahost"), SERVER_ARGS) as started:
        yield started


@pytest.fixture(scope="module")
def sandbox(server):
    """GET /health's sandbox status; tests of a mechanism skip when the host lacks it."""
    return server.sandbox()

