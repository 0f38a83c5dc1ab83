# SPDX-License-Identifier: Apache-2.0
"""`provided` runtimes against a fake Runtime API: the bash tutorial bootstrap and cpp-echo.

The cpp-echo bootstrap is a build product: <build>/examples/cpp-echo/bootstrap, where <build> is
$LAMBDAHOST_BUILD_DIR, else the directory of $LAMBDAHOST_BIN (CTest sets it), else
/work/main/build; its tests skip with the path when it has not been built.
"""

import json
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples")
BUILD_DIR = os.environ.get("LAMBDAHOST_BUILD_DIR") or os.path.dirname(
    os.environ.get("LAMBDAHOST_BIN", "/work/main/build/lambdahost"))
CPP_ECHO = os.path.join(BUILD_DIR, "examples", "cpp-echo", "bootstrap")


def example_files(name, *files):
    return {f: open(os.path.join(EXAMPLES, name, f), encoding="utf-8").read() for f in files}


def test_bash_custom_runtime_echoes_events(fake_api, start_runtime):
    runtime = start_runtime("provided.al2023",
                            example_files("custom-runtime-bash", "bootstrap", "function.sh"),
                            "function.handler", executable=("bootstrap",))
    for event in ({"hello": "bash"}, [1, 2, 3]):
        outcome = fake_api.call(event)
        assert (outcome.kind, outcome.json()) == ("response", {"echo": event})
    assert '{"hello": "bash"}' in runtime.log()  # the handler's stderr reaches the log


def start_cpp_echo(start_runtime):
    if not os.access(CPP_ECHO, os.X_OK):
        pytest.skip(f"cpp-echo not built: {CPP_ECHO} (cmake --build <build> "
                    "--target cpp_echo_bootstrap, or set LAMBDAHOST_BUILD_DIR)")
    runtime = start_runtime("provided.al2023", {}, "bootstrap", copy={"bootstrap": CPP_ECHO})
    return runtime


def test_cpp_echo_returns_the_payload_on_one_connection(fake_api, start_runtime):
    start_cpp_echo(start_runtime)
    events = [{"ping": n} for n in range(5)]
    outcomes = [fake_api.call(event) for event in events]
    assert [(o.kind, o.json()) for o in outcomes] == [("response", e) for e in events]
    assert outcomes[0].headers["content-type"] == "application/json"
    assert fake_api.connections == 1


def test_cpp_echo_carries_a_large_payload(fake_api, start_runtime):
    start_cpp_echo(start_runtime)
    event = {"blob": "x" * (5 * 1024 * 1024)}
    assert fake_api.call(event).body == json.dumps(event).encode()


def test_cpp_client_exits_when_the_api_goes_away(fake_api, start_runtime):
    runtime = start_cpp_echo(start_runtime)
    assert fake_api.call({"a": 1}).json() == {"a": 1}
    fake_api.close()
    assert runtime.wait() == 0


@pytest.mark.parametrize("deadline", ["soon", "", None], ids=["garbled", "empty", "missing"])
def test_cpp_client_survives_a_bad_deadline_header(fake_api, start_runtime, deadline):
    start_cpp_echo(start_runtime)
    request_id = fake_api.invoke({"a": 1},
                                 header_overrides={"Lambda-Runtime-Deadline-Ms": deadline})
    assert fake_api.outcome(request_id).json() == {"a": 1}
    assert fake_api.call({"b": 2}).json() == {"b": 2}


def test_cpp_client_retries_a_refused_next(fake_api, start_runtime):
    runtime = start_cpp_echo(start_runtime)
    fake_api.refuse_next(500, times=2)
    assert fake_api.call({"after": "refusals"}).json() == {"after": "refusals"}
    log = runtime.log()
    assert log.count("GET /2018-06-01/runtime/invocation/next returned 500") == 2, log


def test_cpp_client_gives_up_after_three_refusals(fake_api, start_runtime):
    runtime = start_cpp_echo(start_runtime)
    fake_api.refuse_next(404, times=3)
    assert runtime.wait() == 0
    assert "giving up after 3 attempts" in runtime.log()
