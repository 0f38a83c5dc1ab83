# SPDX-License-Identifier: Apache-2.0
"""runtimes/python/bootstrap.py against a fake Runtime API: AWS's handler, context and errors."""

import json
import queue
import textwrap

import pytest

RUNTIME = "python3.12"


def source(text):
    return textwrap.dedent(text).lstrip()


def test_returns_the_handler_result_and_keeps_the_connection(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": source("""
        def handler(event, context):
            return {"got": event}
    """)}, "app.handler")
    first = fake_api.call({"a": 1})
    second = fake_api.call([1, 2])
    assert (first.kind, first.json()) == ("response", {"got": {"a": 1}})
    assert second.json() == {"got": [1, 2]}
    assert fake_api.connections == 1


def test_none_result_is_null(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": "def handler(event, context):\n    pass\n"}, "app.handler")
    outcome = fake_api.call({})
    assert (outcome.kind, outcome.body) == ("response", b"null")


def test_module_state_survives_between_invocations(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": source("""
        count = 0
        def handler(event, context):
            global count
            count += 1
            return count
    """)}, "app.handler")
    assert [fake_api.call({}).json() for _ in range(2)] == [1, 2]


@pytest.mark.parametrize("handler", ["pkg/sub/mod.fn", "pkg.sub.mod.fn"])
def test_nested_module_handlers(fake_api, start_runtime, handler):
    start_runtime(RUNTIME, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "",
                            "pkg/sub/mod.py": "def fn(event, context):\n    return 'nested'\n"},
                  handler)
    assert fake_api.call({}).json() == "nested"


def test_exception_payload_is_aws_shaped(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"app.py": source("""
        def helper():
            raise ValueError("bad input")
        def handler(event, context):
            helper()
    """)}, "app.handler")
    request_id = fake_api.invoke({})
    outcome = fake_api.outcome(request_id)
    assert outcome.kind == "error"
    error = outcome.json()
    # awslambdaric names the error type in this header, as for /init/error.
    assert outcome.headers["lambda-runtime-function-error-type"] == "ValueError"
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorMessage"] == "bad input"
    assert error["errorType"] == "ValueError"
    assert error["requestId"] == request_id
    # traceback.format_list lines of the user's frames only, outermost first.
    assert len(error["stackTrace"]) == 2
    assert error["stackTrace"][0].startswith('  File "') and "app.py" in error["stackTrace"][0]
    assert "line 4, in handler\n    helper()\n" in error["stackTrace"][0]
    assert 'line 2, in helper\n    raise ValueError("bad input")\n' in error["stackTrace"][1]
    # The runtime stays up after a failed invocation.
    assert fake_api.call({}).kind == "error"
    assert "[ERROR] ValueError: bad input\nTraceback (most recent call last):" in runtime.log()


def test_unserializable_result_is_a_marshal_error(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": "def handler(event, context):\n    return {1, 2}\n"},
                  "app.handler")
    error = fake_api.call({}).json()
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable")


def test_circular_result_is_a_marshal_error(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": "def handler(event, context):\n    d = {}\n    d['d'] = d\n"
                                      "    return d\n"}, "app.handler")
    outcome = fake_api.call({})
    assert outcome.headers["lambda-runtime-function-error-type"] == "Runtime.MarshalError"
    assert outcome.json() == {
        "errorMessage": "Unable to marshal response: Circular reference detected",
        "errorType": "Runtime.MarshalError", "requestId": outcome.json()["requestId"],
        "stackTrace": []}


def test_sys_exit_in_the_handler_ends_the_runtime_without_an_answer(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"app.py": "import sys\n\ndef handler(event, context):\n"
                                                "    sys.exit(3)\n"}, "app.handler")
    request_id = fake_api.invoke({})
    # The server reports Runtime.ExitError "exit status 3" (facts §3.5); the client posts nothing.
    assert runtime.wait() == 3
    with pytest.raises(queue.Empty):
        fake_api.outcome(request_id, timeout=0.5)


def assert_init_error(fake_api, runtime, error_type, message):
    outcome = fake_api.init_error()
    assert outcome.headers["lambda-runtime-function-error-type"] == error_type
    error = outcome.json()
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        error_type, message, "")
    assert runtime.wait() == 1
    return error


def test_missing_module_is_an_import_module_error(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {}, "nothere.handler")
    assert_init_error(fake_api, runtime, "Runtime.ImportModuleError",
                      "Unable to import module 'nothere': No module named 'nothere'")


def test_missing_function_is_handler_not_found(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"mod.py": "x = 1\n"}, "mod.fn")
    assert_init_error(fake_api, runtime, "Runtime.HandlerNotFound",
                      "Handler 'fn' missing on module 'mod'")


def test_syntax_error_is_user_code_syntax_error(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"mod.py": "def handler(:\n"}, "mod.handler")
    outcome = fake_api.init_error()
    error = outcome.json()
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'mod': ")
    assert "mod.py" in error["stackTrace"][0]
    assert runtime.wait() == 1


def test_exception_at_import_is_reported_with_its_type(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"mod.py": "raise KeyError('boom')\n"}, "mod.handler")
    error = fake_api.init_error().json()
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'boom'")
    assert any("mod.py" in line for line in error["stackTrace"])
    assert runtime.wait() == 1


def test_context_fields(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": source("""
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "client_context": context.client_context,
                "identity_id": context.identity.cognito_identity_id,
            }
    """)}, "app.handler")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fake:$LATEST"
    request_id = fake_api.invoke({}, timeout_ms=5000, arn=arn)
    result = fake_api.outcome(request_id).json()
    assert result["function_name"] == "fake"
    assert result["function_version"] == "$LATEST"
    assert result["invoked_function_arn"] == arn
    assert result["memory_limit_in_mb"] == "128"
    assert result["aws_request_id"] == request_id
    assert result["log_group_name"] == "/aws/lambda/fake"
    assert result["log_stream_name"].startswith("2025/01/01/[$LATEST]")
    assert 0 < result["remaining"] <= 5000
    assert result["client_context"] is None
    assert result["identity_id"] is None


def test_client_context_and_identity(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": source("""
        def handler(event, context):
            cc = context.client_context
            return {"custom": cc.custom, "env": cc.env, "app_title": cc.client.app_title,
                    "identity": [context.identity.cognito_identity_id,
                                 context.identity.cognito_identity_pool_id]}
    """)}, "app.handler")
    sent = {"custom": {"k": "v"}, "env": {"platform": "test"}, "client": {"app_title": "t"}}
    result = fake_api.call({}, client_context=sent, cognito_identity={
        "cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}).json()
    assert result == {"custom": {"k": "v"}, "env": {"platform": "test"}, "app_title": "t",
                      "identity": ["id-1", "pool-1"]}


def test_trace_id_is_set_per_invocation(fake_api, start_runtime):
    start_runtime(RUNTIME, {"app.py": source("""
        import os
        def handler(event, context):
            return os.environ.get("_X_AMZN_TRACE_ID")
    """)}, "app.handler")
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    assert fake_api.call({}, trace_id=trace).json() == trace
    assert fake_api.call({}).json() is None


def test_task_root_comes_first_on_sys_path(fake_api, start_runtime):
    # A user module named like the runtime's own file must win.
    start_runtime(RUNTIME, {"bootstrap.py": "def handler(event, context):\n    return 'mine'\n"},
                  "bootstrap.handler")
    assert fake_api.call({}).json() == "mine"


def test_output_and_logging_reach_the_log_immediately(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"app.py": source("""
        import logging, sys
        logging.getLogger().setLevel(logging.INFO)
        def handler(event, context):
            print("partial", end="")
            sys.stderr.write("to stderr\\n")
            logging.info("hello %s", "log")
            return 1
    """)}, "app.handler")
    request_id = fake_api.invoke({})
    assert fake_api.outcome(request_id).json() == 1
    log = runtime.log()
    assert "partial" in log and "to stderr\n" in log
    lines = [line for line in log.splitlines() if "hello log" in line]
    assert len(lines) == 1
    level, timestamp, logged_id, message = lines[0].split("\t")
    assert level.endswith("[INFO]") and message == "hello log" and logged_id == request_id
    assert timestamp.endswith("Z") and len(timestamp) == len("2025-01-01T00:00:00.000Z")


def test_json_log_format(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"app.py": source("""
        import logging
        def handler(event, context):
            logging.getLogger("mine").info("structured")
    """)}, "app.handler", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                     "AWS_LAMBDA_LOG_LEVEL": "INFO"})
    request_id = fake_api.invoke({})
    fake_api.outcome(request_id)
    entry = json.loads([line for line in runtime.log().splitlines() if "structured" in line][0])
    assert entry["level"] == "INFO" and entry["logger"] == "mine"
    assert entry["requestId"] == request_id and entry["message"] == "structured"
