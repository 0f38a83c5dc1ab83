# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the versions, aliases and concurrency tests: the module's shared `server` runs
with --runtimes-dir set to this checkout's runtimes/ (as the invoke tests' does), so published
versions and aliases can be invoked. Like the root fixture, it is stopped with SIGTERM and must
exit 0; on failure it is killed. The invoke tests' helpers (invoke_support) are shared."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "invoke"))

from invoke_support import SERVER_ARGS  # noqa: E402  (needs the path above)
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
