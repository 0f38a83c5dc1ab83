# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the versions, aliases and concurrency tests: the module's shared `server` runs
with --runtimes-dir set to this checkout's runtimes/ (as the invoke tests' does), so published
versions and aliases can be invoked. Like the root fixture, it is stopped with SIGTERM and must
exit 0; on failure it is killed. The invoke tests' helpers (invoke_support) are shared."""

import pytest

from invoke_support import SERVER_ARGS
from support import server as server_module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with server_module.serving(tmp_path_factory.mktemp("lambdahost"), SERVER_ARGS) as started:
        yield started
