# SPDX-License-Identifier: Apache-2.0
"""runtimes/nodejs/bootstrap.mjs against a fake Runtime API: CJS/ESM, async/callback, errors."""

import json
import queue
import textwrap

import pytest

RUNTIME = "nodejs20.x"


def source(text):
    return textwrap.dedent(text).lstrip()


CJS_COUNTER = source("""
    let count = 0;
    exports.handler = async (event) => ({ count: ++count, event });
""")
ESM_COUNTER = source("""
    let count = 0;
    export const handler = async (event) => ({ count: ++count, event });
""")


@pytest.mark.parametrize("files", [
    {"index.js": CJS_COUNTER},
    {"index.cjs": CJS_COUNTER},
    {"index.mjs": ESM_COUNTER},
    {"index.js": ESM_COUNTER, "package.json": '{"type": "module"}'},
], ids=["cjs-js", "cjs-cjs", "esm-mjs", "esm-js-type-module"])
def test_module_kinds_and_warm_state(fake_api, start_runtime, files):
    start_runtime(RUNTIME, files, "index.handler")
    first = fake_api.call({"a": 1})
    assert (first.kind, first.json()) == ("response", {"count": 1, "event": {"a": 1}})
    assert fake_api.call({}).json()["count"] == 2
    assert fake_api.connections == 1


def test_handler_in_a_subdirectory(fake_api, start_runtime):
    start_runtime(RUNTIME, {"src/lib/app.js": "exports.run = async () => 'deep';\n"},
                  "src/lib/app.run")
    assert fake_api.call({}).json() == "deep"


def test_callback_handler(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = (event, context, callback) => {
            setTimeout(() => callback(null, { via: 'callback', n: event.n }), 10);
        };
    """)}, "index.handler")
    assert fake_api.call({"n": 7}).json() == {"via": "callback", "n": 7}


def test_callback_waits_for_the_event_loop_unless_told_not_to(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        let late = 0;
        exports.handler = (event, context, callback) => {
            context.callbackWaitsForEmptyEventLoop = event.wait;
            setTimeout(() => { late += 1; }, 200);
            callback(null, late);
        };
    """)}, "index.handler")
    # Waiting: the timer still runs before the next invocation starts.
    assert fake_api.call({"wait": True}).json() == 0
    assert fake_api.call({"wait": False}).json() == 1


def test_undefined_result_is_null(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": "exports.handler = async () => {};\n"}, "index.handler")
    assert fake_api.call({}).body == b"null"


def test_error_payload_is_aws_shaped(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = async () => { throw new TypeError('bad thing'); };
    """)}, "index.handler")
    outcome = fake_api.call({})
    assert outcome.kind == "error"
    assert outcome.headers["lambda-runtime-function-error-type"] == "TypeError"
    error = outcome.json()
    assert list(error) == ["errorType", "errorMessage", "trace"]
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "bad thing")
    assert error["trace"][0] == "TypeError: bad thing"
    assert error["trace"][1].startswith("    at ") and "index.js" in error["trace"][1]
    assert fake_api.call({}).kind == "error"  # still serving
    assert "\tERROR\tInvoke Error" in runtime.log()


def test_callback_error_and_non_error_values(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = (event, context, callback) => {
            if (event.string) callback('plain failure'); else callback(new Error('boom'));
        };
    """)}, "index.handler")
    assert fake_api.call({}).json()["errorMessage"] == "boom"
    assert fake_api.call({"string": True}).json() == {
        "errorType": "string", "errorMessage": "plain failure", "trace": []}


def test_missing_module_is_an_import_module_error(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {}, "missing.handler")
    outcome = fake_api.init_error()
    assert outcome.headers["lambda-runtime-function-error-type"] == "Runtime.ImportModuleError"
    error = outcome.json()
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"].startswith("Error: Cannot find module 'missing'")
    assert error["trace"][0].startswith("Runtime.ImportModuleError: Error: Cannot find module")
    assert runtime.wait() != 0


def test_missing_export_is_handler_not_found(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.mjs": "export const other = 1;\n"}, "index.handler")
    error = fake_api.init_error().json()
    assert (error["errorType"], error["errorMessage"]) == (
        "Runtime.HandlerNotFound", "index.handler is undefined or not exported")
    assert runtime.wait() != 0


def test_syntax_error_is_user_code_syntax_error(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": "exports.handler = async ( => 1;\n"}, "index.handler")
    error = fake_api.init_error().json()
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("SyntaxError: ")


def test_context_fields_client_context_and_trace_id(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = async (event, context) => ({
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            invokedFunctionArn: context.invokedFunctionArn,
            memoryLimitInMB: context.memoryLimitInMB,
            awsRequestId: context.awsRequestId,
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            remaining: context.getRemainingTimeInMillis(),
            clientContext: context.clientContext ?? 'absent',
            identity: context.identity ?? 'absent',
            waits: context.callbackWaitsForEmptyEventLoop,
            trace: process.env._X_AMZN_TRACE_ID ?? 'unset',
        });
    """)}, "index.handler")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fake:prod"
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    sent = {"custom": {"k": "v"}, "env": {"e": 1}, "client": {"app_title": "t"}}
    request_id = fake_api.invoke({}, timeout_ms=4000, arn=arn, trace_id=trace,
                                 client_context=sent, cognito_identity={"cognitoIdentityId": "i"})
    result = fake_api.outcome(request_id).json()
    assert 0 < result.pop("remaining") <= 4000
    assert result == {
        "functionName": "fake", "functionVersion": "$LATEST", "invokedFunctionArn": arn,
        "memoryLimitInMB": "128", "awsRequestId": request_id, "logGroupName": "/aws/lambda/fake",
        "logStreamName": "2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "clientContext": sent, "identity": {"cognitoIdentityId": "i"}, "waits": True,
        "trace": trace}
    second = fake_api.call({})
    assert second.json()["trace"] == "unset" and second.json()["clientContext"] == "absent"


def test_context_accessor_is_shared_and_not_enumerable(fake_api, start_runtime):
    # callbackWaitsForEmptyEventLoop is not enumerable (as AWS defines it) and is not made per
    # context: a per-object accessor gave every invocation its own V8 hidden class (old-space
    # garbage and multi-millisecond scavenges).
    start_runtime(RUNTIME, {"index.js": source("""
        let previous;
        exports.handler = async (event, context) => {
            const sameClass = previous !== undefined &&
                Object.getPrototypeOf(previous) === Object.getPrototypeOf(context);
            previous = context;
            return {
                own: Object.hasOwn(context, 'callbackWaitsForEmptyEventLoop'),
                enumerable: Object.keys(context).includes('callbackWaitsForEmptyEventLoop'),
                inJson: 'callbackWaitsForEmptyEventLoop' in JSON.parse(JSON.stringify(context)),
                sameClass,
            };
        };
    """)}, "index.handler")
    first = fake_api.call({}).json()
    assert first == {"own": False, "enumerable": False, "inJson": False, "sameClass": False}
    assert fake_api.call({}).json()["sameClass"] is True


def test_console_lines_carry_time_request_id_and_level(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.js": source("""
        console.log('at init');
        exports.handler = async () => { console.log('hello %s', 'log'); console.warn('careful'); };
    """)}, "index.handler")
    request_id = fake_api.invoke({})
    fake_api.outcome(request_id)
    lines = runtime.log().splitlines()
    init = [line for line in lines if line.endswith("at init")][0].split("\t")
    assert init[1:] == ["undefined", "INFO", "at init"]
    hello = [line for line in lines if line.endswith("hello log")][0].split("\t")
    assert hello[0].endswith("Z") and len(hello[0]) == len("2025-01-01T00:00:00.000Z")
    assert hello[1:] == [request_id, "INFO", "hello log"]
    assert f"\t{request_id}\tWARN\tcareful" in runtime.log()


def test_unserializable_result_is_aws_stringify_error(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = async (event) => {
            if (event.bigint) return { n: 10n };
            const a = {}; a.self = a; return a;
        };
    """)}, "index.handler")
    for event in ({"bigint": True}, {}):
        outcome = fake_api.call(event)
        assert outcome.kind == "error"
        assert outcome.headers["lambda-runtime-function-error-type"] == "Error"
        error = outcome.json()
        # AWS (nodejs18.x-22.x): RAPIDClient's plain Error (aws-lambda-ric 3.3).
        assert (error["errorType"], error["errorMessage"]) == (
            "Error", "Unable to stringify response body")
        assert error["trace"][0] == "Error: Unable to stringify response body"
    assert fake_api.call({"bigint": False, "x": None}).kind == "error"  # still serving
    assert "\tERROR\tInvoke Error \t{" in runtime.log()


NODEJS_EXIT_MESSAGE = (
    "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly "
    "caused by a Promise that was never settled. For more information, see "
    "https://nodejs.org/docs/latest/api/process.html#exit-codes")


def test_async_handler_that_never_settles_is_nodejs_exit(fake_api, start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        let calls = 0;
        exports.handler = async () => {
            calls += 1;
            if (calls === 1) return new Promise(() => {});
            return calls;
        };
    """)}, "index.handler")
    outcome = fake_api.call({})
    assert outcome.kind == "error"
    error = outcome.json()
    assert (error["errorType"], error["errorMessage"]) == ("Runtime.NodeJsExit",
                                                           NODEJS_EXIT_MESSAGE)
    assert fake_api.call({}).json() == 2  # the same process serves the next invocation


def test_sync_handler_returning_a_promise_that_never_settles_answers_null(fake_api,
                                                                         start_runtime):
    start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = () => new Promise(() => {});
    """)}, "index.handler")
    outcome = fake_api.call({})
    assert (outcome.kind, outcome.body) == ("response", b"null")


@pytest.mark.parametrize("reason, message", [
    ("new Error('boom')", "Error: boom"),
    ("'plain'", "plain"),
], ids=["error", "string"])
def test_unhandled_rejection_fails_the_invocation_and_exits_128(fake_api, start_runtime, reason,
                                                                message):
    runtime = start_runtime(RUNTIME, {"index.js": source(f"""
        exports.handler = async () => {{
            Promise.reject({reason});
            await new Promise((resolve) => setTimeout(resolve, 60000));
            return 'too late';
        }};
    """)}, "index.handler")
    outcome = fake_api.call({})
    assert outcome.kind == "error"
    assert outcome.headers["lambda-runtime-function-error-type"] == (
        "Runtime.UnhandledPromiseRejection")
    error = outcome.json()
    assert list(error) == ["errorType", "errorMessage", "trace"]
    assert (error["errorType"], error["errorMessage"]) == ("Runtime.UnhandledPromiseRejection",
                                                           message)
    assert error["trace"][0] == f"Runtime.UnhandledPromiseRejection: {message}"
    assert runtime.wait() == 128
    assert "\tERROR\tUnhandled Promise Rejection \t{" in runtime.log()


def test_uncaught_exception_fails_the_invocation_and_exits_129(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = async () => {
            setTimeout(() => { throw new RangeError('late'); }, 0);
            await new Promise((resolve) => setTimeout(resolve, 60000));
        };
    """)}, "index.handler")
    error = fake_api.call({}).json()
    assert (error["errorType"], error["errorMessage"]) == ("RangeError", "late")
    assert runtime.wait() == 129
    assert "\tERROR\tUncaught Exception \t{" in runtime.log()


def test_process_exit_in_the_handler_ends_the_runtime_without_an_answer(fake_api, start_runtime):
    runtime = start_runtime(RUNTIME, {"index.js": source("""
        exports.handler = async () => { process.exit(3); };
    """)}, "index.handler")
    request_id = fake_api.invoke({})
    # The server reports Runtime.ExitError "exit status 3" (facts §3.5); the client posts nothing.
    assert runtime.wait() == 3
    with pytest.raises(queue.Empty):
        fake_api.outcome(request_id, timeout=0.5)
