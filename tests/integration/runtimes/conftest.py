# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the runtime-client tests: a fake Runtime API and a runtime launcher.

`start_runtime(runtime, files, handler)` writes `files` ({relative path: text}) into a fresh
task root (`executable` names the ones to chmod +x; `copy` maps names to files copied in) and starts the runtime's command from runtimes/runtimes.json against `fake_api`.
Every started process is killed at the end of the test; its log is printed if the test failed.
"""

import shutil

import pytest

from runtime_api_fake import FakeRuntimeApi, RuntimeProcess, runtime_command


@pytest.fixture
def fake_api():
    api = FakeRuntimeApi()
    yield api
    api.close()


@pytest.fixture
def start_runtime(fake_api, tmp_path, request):
    started = []

    def start(runtime, files, handler, extra_env=None, executable=(), copy=None):
        task_root = tmp_path / f"task{len(started)}"
        task_root.mkdir()
        for relative, text in files.items():
            path = task_root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if relative in executable:
                path.chmod(0o755)
        for relative, source in (copy or {}).items():
            shutil.copy2(source, task_root / relative)
        process = RuntimeProcess(fake_api, task_root, handler,
                                 runtime_command(runtime, task_root),
                                 tmp_path / f"runtime{len(started)}.log", extra_env)
        started.append(process)
        return process

    yield start
    report = getattr(request.node, "report_call", None)
    for process in started:
        process.stop()
        if report is not None and report.failed:
            print(f"--- runtime log {process.log_path} ---\n{process.log()}")
