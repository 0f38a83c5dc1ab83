# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the invoke tests: the module's shared `server` runs with --runtimes-dir set to
this checkout's runtimes/ (the root conftest's `lambda_client` and `aws` then talk to it).
Like the root fixture, it is stopped with SIGTERM and must exit 0; on failure it is killed."""

import pytest

from invoke_support import SERVER_ARGS
from support import server as server_module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with server_module.serving(tmp_path_factory.mktemp("lambdahost"), SERVER_ARGS) as started:
        yield started
