# SPDX-License-Identifier: Apache-2.0
"""Synchronous Invoke of python3.12 functions through boto3 and aws-cli (facts §3.5, §3.10):
results, warm reuse, the error payloads the runtime and the engine make (handler exception,
init error, runtime exit, timeout, oversize response), the 6 MB request limit, DryRun, a
missing function, the environment contract, the context object, client context, Tail logs,
20 concurrent environments and UpdateFunctionCode. Every test deploys its own function."""

import base64
import concurrent.futures
import http.client
import json
import os
import re
import socket
import time
import urllib.parse

import botocore.exceptions
import pytest

from invoke_support import (
    LOG_STREAM,
    MAX_REQUEST_BYTES,
    MAX_RESPONSE_BYTES,
    REPORT_LINE,
    RESPONSE_TOO_LARGE,
    cli_invoke,
    deploy,
    invoke,
    invoke_ok,
    python_zip,
    unhandled_error,
)
from support.clients import function_arn
from support.functions import error_of, wait_updated

ECHO = """
def handler(event, context):
    return event
"""

# A runtime process's identity: its pid would not do, every namespace sandbox has its own pids.
COUNTER = """
import uuid

count = 0
RUNTIME = uuid.uuid4().hex

def handler(event, context):
    global count
    count += 1
    return {"count": count, "pid": RUNTIME}
"""


def exit_error(request_id, reason):
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
    }


def test_handler_returns_the_event(lambda_client):
    name = deploy(lambda_client, python_zip(ECHO), prefix="py-echo")
    event = {"a": 1, "nested": {"list": [1, "two", None, True]}, "text": "héllo"}
    result = invoke(lambda_client, name, event)
    assert result.status == 200
    assert result.function_error == ""
    assert result.executed_version == "$LATEST"
    assert result.json() == event


def test_aws_cli_invoke_returns_the_event(lambda_client, aws, tmp_path):
    name = deploy(lambda_client, python_zip(ECHO), prefix="py-cli")
    output, body = cli_invoke(aws, name, {"from": "aws-cli"}, tmp_path)
    assert output["StatusCode"] == 200
    assert output["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in output
    assert json.loads(body) == {"from": "aws-cli"}


def test_module_state_survives_between_invokes(lambda_client):
    name = deploy(lambda_client, python_zip(COUNTER), prefix="py-warm")
    first = invoke_ok(lambda_client, name, {})
    second = invoke_ok(lambda_client, name, {})
    assert (first["count"], second["count"]) == (1, 2)
    assert first["pid"] == second["pid"]


def test_empty_payload_is_delivered_as_empty_object(lambda_client):
    name = deploy(lambda_client, python_zip(ECHO), prefix="py-empty")
    assert invoke_ok(lambda_client, name) == {}


def test_handler_returning_nothing_answers_null(lambda_client):
    name = deploy(lambda_client, python_zip("def handler(event, context):\n    pass\n"),
                  prefix="py-none")
    result = invoke(lambda_client, name, {})
    assert (result.status, result.function_error, result.payload) == (200, "", b"null")


def test_handler_exception_payload(lambda_client):
    source = """
    def handler(event, context):
        raise ValueError("handler fails")
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-raise")
    result = invoke(lambda_client, name, {})
    error = unhandled_error(result)
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert error["errorMessage"] == "handler fails"
    assert error["errorType"] == "ValueError"
    assert error["requestId"] == result.request_id
    assert error["stackTrace"] and all(isinstance(line, str) for line in error["stackTrace"])
    assert any("lambda_function.py" in line for line in error["stackTrace"])
    # Only that invocation failed: the environment carries on.
    assert unhandled_error(invoke(lambda_client, name, {}))["errorType"] == "ValueError"


def test_import_error_at_init_is_runtime_import_module_error(lambda_client):
    source = """
    import module_that_does_not_exist_anywhere

    def handler(event, context):
        return "unreachable"
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-import")
    for _ in range(2):  # the failed environment is discarded; the next invoke fails the same way
        result = invoke(lambda_client, name, {})
        error = unhandled_error(result)
        assert error["errorType"] == "Runtime.ImportModuleError"
        assert error["errorMessage"].startswith("Unable to import module 'lambda_function': ")
        assert "module_that_does_not_exist_anywhere" in error["errorMessage"]
        assert error.get("requestId", "") == ""  # init errors carry no request id (facts §3.5)


def test_missing_handler_function_is_runtime_handler_not_found(lambda_client):
    name = deploy(lambda_client, python_zip(ECHO), handler="lambda_function.no_such_function",
                  prefix="py-nohandler")
    error = unhandled_error(invoke(lambda_client, name, {}))
    assert error["errorType"] == "Runtime.HandlerNotFound"


def test_sys_exit_in_handler_is_runtime_exit_error(lambda_client):
    source = """
    import sys

    def handler(event, context):
        if event.get("exit"):
            sys.exit(1)
        return "alive"
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-exit")
    result = invoke(lambda_client, name, {"exit": True})
    assert unhandled_error(result) == exit_error(result.request_id, "exit status 1")
    # Only that invocation failed: the next one gets a working runtime again.
    assert invoke_ok(lambda_client, name, {}) == "alive"


def test_timeout_payload_keeps_tmp_and_restarts_the_runtime(lambda_client):
    # The timed-out invocation is the function's first, so exactly one environment exists and
    # the next invoke must reach it: the file in TMPDIR proves the same environment, the new
    # pid and the counter back at 1 prove a new runtime process (facts §3.5).
    source = """
    import json
    import os
    import time
    import uuid

    count = 0
    RUNTIME = uuid.uuid4().hex  # not the pid: each sandbox has its own pid namespace

    def handler(event, context):
        global count
        count += 1
        marker = os.path.join(os.environ["TMPDIR"], "marker.json")
        if event.get("sleep"):
            with open(marker, "w") as out:
                json.dump({"pid": RUNTIME, "count": count}, out)
            time.sleep(event["sleep"])
        with open(marker) as saved:
            return {"pid": RUNTIME, "count": count, "saved": json.load(saved)}
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-timeout", Timeout=1)
    started = time.monotonic()
    result = invoke(lambda_client, name, {"sleep": 3})
    elapsed = time.monotonic() - started
    assert unhandled_error(result) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert 1.0 <= elapsed < 2.5, f"the timeout answered after {elapsed:.2f} s"

    after = invoke_ok(lambda_client, name, {})
    assert after["saved"]["count"] == 1, "TMPDIR should be kept across the timeout"
    assert after["pid"] != after["saved"]["pid"], "the timed-out runtime should be replaced"
    assert after["count"] == 1, "the module should have been re-initialised after the timeout"


def test_environment_variables_visible_to_the_handler(lambda_client, server):
    source = """
    import os

    def handler(event, context):
        return {"env": dict(os.environ), "cwd": os.getcwd()}
    """
    name = deploy(
        lambda_client,
        python_zip(source),
        prefix="py-env",
        MemorySize=256,
        Environment={"Variables": {"MY_SETTING": "from-environment", "OTHER": "x=y z"}},
    )
    seen = invoke_ok(lambda_client, name, {})
    env = seen["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "lambda_function.handler"
    assert env["LAMBDA_TASK_ROOT"] == seen["cwd"]
    if server.isolation() == "namespace":
        # AWS's paths (facts §3.10): the code at /var/task, a private /tmp.
        assert env["LAMBDA_TASK_ROOT"] == "/var/task"
        assert env["TMPDIR"] == "/tmp"
    else:
        assert os.path.realpath(env["TMPDIR"]).startswith(os.path.realpath(server.data_dir))
    assert env["TZ"] == ":UTC"
    assert env["LANG"] == "en_US.UTF-8"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert LOG_STREAM.match(env["AWS_LAMBDA_LOG_STREAM_NAME"])
    # The client sent no X-Amzn-Trace-Id: one is made per invoke, in X-Ray's form.
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0",
                        env["_X_AMZN_TRACE_ID"])
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_ENDPOINT_URL"] == server.endpoint
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    for credential in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[credential], credential
    assert env["MY_SETTING"] == "from-environment"
    assert env["OTHER"] == "x=y z"
    # Nothing is inherited from the server's own environment (pytest's variable reached it).
    assert "PYTEST_CURRENT_TEST" not in env


def test_context_object_fields(lambda_client):
    source = """
    def handler(event, context):
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-context", Timeout=5)
    result = invoke(lambda_client, name, {})
    context = result.json()
    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "128"
    assert context["invoked_function_arn"] == function_arn(name)
    assert context["aws_request_id"] == result.request_id
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert LOG_STREAM.match(context["log_stream_name"])
    assert 0 < context["remaining_ms"] <= 5000

    # The ARN reflects the qualifier the caller used (facts §3.10).
    qualified = invoke(lambda_client, name, {}, Qualifier="$LATEST")
    assert qualified.executed_version == "$LATEST"
    assert qualified.json()["invoked_function_arn"] == function_arn(name) + ":$LATEST"
    by_qualified_name = invoke(lambda_client, f"{name}:$LATEST", {})
    assert by_qualified_name.json()["invoked_function_arn"] == function_arn(name) + ":$LATEST"


def test_client_context_reaches_the_handler(lambda_client):
    source = """
    def handler(event, context):
        client_context = context.client_context
        return {"custom": client_context.custom, "env": client_context.env}
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-clientctx")
    sent = {
        "custom": {"tenant": "t-42", "flags": [1, 2]},
        "env": {"locale": "en-GB"},
        "client": {"app_title": "lambdahost-tests"},
    }
    client_context = base64.b64encode(json.dumps(sent).encode()).decode()
    received = invoke_ok(lambda_client, name, {}, ClientContext=client_context)
    assert received == {"custom": sent["custom"], "env": sent["env"]}


def test_tail_log_has_start_output_end_report(lambda_client):
    source = """
    def handler(event, context):
        print("handler output:", event["word"])
        return "ok"
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-tail")
    cold = invoke(lambda_client, name, {"word": "first-call"}, LogType="Tail")
    warm = invoke(lambda_client, name, {"word": "second-call"}, LogType="Tail")

    for result, word in ((cold, "first-call"), (warm, "second-call")):
        assert (result.status, result.function_error) == (200, ""), result
        log = result.log
        assert f"START RequestId: {result.request_id} Version: $LATEST" in log, log
        assert f"handler output: {word}" in log, log
        assert f"END RequestId: {result.request_id}" in log, log
        report = REPORT_LINE.search(log)
        assert report is not None, log
        assert report["id"] == result.request_id
        assert report["memory"] == "128"
        order = [log.index(mark) for mark in ("START RequestId:", word, "END RequestId:",
                                                "REPORT RequestId:")]
        assert order == sorted(order), log
    assert "Init Duration: " in cold.log, cold.log
    assert "Init Duration: " not in warm.log, warm.log
    # The tail is that invocation's log, not the previous one's.
    assert cold.request_id not in warm.log
    assert "first-call" not in warm.log

    no_tail = invoke(lambda_client, name, {"word": "untailed"})
    assert no_tail.log == ""


def test_aws_cli_log_type_tail(lambda_client, aws, tmp_path):
    source = """
    def handler(event, context):
        print("printed for the cli")
        return event
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-cli-tail")
    output, body = cli_invoke(aws, name, {"k": "v"}, tmp_path, "--log-type", "Tail")
    assert json.loads(body) == {"k": "v"}
    log = base64.b64decode(output["LogResult"]).decode()
    for expected in ("START RequestId: ", "printed for the cli", "REPORT RequestId: "):
        assert expected in log, log


def test_non_json_payload_is_invalid_request_content(lambda_client):
    name = deploy(lambda_client, python_zip(ECHO), prefix="py-notjson")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(lambda_client, name, b"\x99 this is not json")
    status, code, message = error_of(excinfo)
    assert (status, code) == (400, "InvalidRequestContentException")
    assert message.startswith("Could not parse request body into json: "), message


def test_request_at_the_limit_is_accepted_and_one_byte_more_is_413(lambda_client):
    source = """
    def handler(event, context):
        return len(event)
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-bigreq")
    # A JSON string of exactly MAX_REQUEST_BYTES bytes: the quotes plus the letters.
    at_limit = b'"' + b"a" * (MAX_REQUEST_BYTES - 2) + b'"'
    assert invoke_ok(lambda_client, name, at_limit) == MAX_REQUEST_BYTES - 2

    over = b'"' + b"a" * (MAX_REQUEST_BYTES - 1) + b'"'
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(lambda_client, name, over)
    status, code, message = error_of(excinfo)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"


def test_response_at_the_limit_passes_and_one_byte_more_is_too_large(lambda_client):
    source = """
    def handler(event, context):
        return "x" * event["letters"]
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-bigresp")
    # The JSON encoding of the string is the letters plus two quotes.
    at_limit = invoke(lambda_client, name, {"letters": MAX_RESPONSE_BYTES - 2})
    assert (at_limit.status, at_limit.function_error) == (200, "")
    assert len(at_limit.payload) == MAX_RESPONSE_BYTES

    over = invoke(lambda_client, name, {"letters": MAX_RESPONSE_BYTES - 1})
    assert unhandled_error(over) == RESPONSE_TOO_LARGE
    # The function is still usable afterwards.
    assert invoke_ok(lambda_client, name, {"letters": 3}) == "xxx"


def test_a_client_slow_to_read_a_large_answer_gets_it_whole_and_keeps_its_connection(
        lambda_client, server):
    # The server writes an answer at once as far as the socket takes it and the rest when the
    # client reads: a client that waits before reading must still get every byte, and the
    # kept-alive connection must serve its next request.
    source = """
    def handler(event, context):
        return "x" * event["letters"]
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-slowread")
    endpoint = urllib.parse.urlsplit(server.endpoint)
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=60)
    # A small receive buffer: more than the client's and the server's socket buffers together
    # is left for the server to write after the client starts reading.
    connection.sock = socket.socket()
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    connection.sock.settimeout(60)
    connection.sock.connect((endpoint.hostname, endpoint.port))
    try:
        for letters in (MAX_RESPONSE_BYTES - 2, 3):
            connection.request("POST", f"/2015-03-31/functions/{name}/invocations",
                               body=json.dumps({"letters": letters}),
                               headers={"Content-Type": "application/json"})
            time.sleep(0.5)  # the answer waits for the client in the socket's buffers
            response = connection.getresponse()
            payload = response.read()
            assert response.status == 200
            assert payload == b'"' + b"x" * letters + b'"'
    finally:
        connection.close()


def test_dry_run_answers_204_without_running_the_function(lambda_client):
    source = """
    def handler(event, context):
        print("this must not run")
        return "ran"
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-dryrun")
    result = invoke(lambda_client, name, {}, InvocationType="DryRun")
    assert result.status == 204
    assert result.payload == b""
    # Had the DryRun run the handler, this would be a warm start without Init Duration.
    assert "Init Duration: " in invoke(lambda_client, name, {}, LogType="Tail").log


def test_missing_function_is_404_with_the_latest_arn(lambda_client):
    name = "no-such-function-for-invoke"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(lambda_client, name, {})
    assert error_of(excinfo) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
    )


def test_twenty_parallel_invokes_run_in_twenty_environments(lambda_client, server):
    source = """
    import time
    import uuid

    RUNTIME = uuid.uuid4().hex  # not the pid: each sandbox has its own pid namespace

    def handler(event, context):
        time.sleep(1)
        return RUNTIME
    """
    name = deploy(lambda_client, python_zip(source), prefix="py-parallel")
    parallel = 20
    clients = [server.client() for _ in range(parallel)]  # one connection each
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(lambda client: invoke(client, name, {}), clients))
    elapsed = time.monotonic() - started
    for result in results:
        assert (result.status, result.function_error) == (200, ""), result
    pids = {result.json() for result in results}
    assert len(pids) == parallel, f"{len(pids)} distinct environments for {parallel} invokes"
    # Serialised invokes would take 20 s; parallel ones take the 1 s sleep plus cold starts.
    assert elapsed < 10, f"20 parallel 1 s invokes took {elapsed:.1f} s"


def test_update_function_code_then_invoke_runs_the_new_code(lambda_client):
    version = """
    def handler(event, context):
        return "{tag}"
    """
    name = deploy(lambda_client, python_zip(version.replace("{tag}", "old")), prefix="py-update")
    assert invoke_ok(lambda_client, name, {}) == "old"  # a warm environment on the old code
    lambda_client.update_function_code(
        FunctionName=name, ZipFile=python_zip(version.replace("{tag}", "new"))
    )
    wait_updated(lambda_client, name)
    assert invoke_ok(lambda_client, name, {}) == "new"
    assert invoke_ok(lambda_client, name, {}) == "new"
