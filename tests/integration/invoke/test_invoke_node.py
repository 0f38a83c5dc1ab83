# SPDX-License-Identifier: Apache-2.0
"""Synchronous Invoke of nodejs20.x functions run by runtimes/nodejs: CommonJS async handlers
(with warm module state and the context object), ESM (.mjs) handlers, callback-style handlers
and thrown errors reported as AWS's error JSON with X-Amz-Function-Error: Unhandled."""

import json

from invoke_support import (
    cli_invoke,
    deploy,
    invoke,
    invoke_ok,
    node_zip,
    unhandled_error,
)
from support.clients import function_arn

RUNTIME = "nodejs20.x"


def deploy_node(client, source, file_name="index.js", prefix="node", **overrides):
    return deploy(client, node_zip(source, file_name), runtime=RUNTIME, handler="index.handler",
                  prefix=prefix, **overrides)


def test_commonjs_async_handler_with_context_and_warm_state(lambda_client):
    source = """
    let count = 0;
    exports.handler = async (event, context) => {
      count += 1;
      return {
        event,
        count,
        pid: process.pid,
        functionName: context.functionName,
        memoryLimitInMB: context.memoryLimitInMB,
        invokedFunctionArn: context.invokedFunctionArn,
        awsRequestId: context.awsRequestId,
        remainingMs: context.getRemainingTimeInMillis(),
      };
    };
    """
    name = deploy_node(lambda_client, source, prefix="node-cjs")
    first = invoke(lambda_client, name, {"hello": "node"})
    assert (first.status, first.function_error, first.executed_version) == (200, "", "$LATEST")
    body = first.json()
    assert body["event"] == {"hello": "node"}
    assert body["functionName"] == name
    assert body["memoryLimitInMB"] == "128"
    assert body["invokedFunctionArn"] == function_arn(name)
    assert body["awsRequestId"] == first.request_id
    assert 0 < body["remainingMs"] <= 3000  # the default Timeout is 3 s

    second = invoke_ok(lambda_client, name, {})
    assert (body["count"], second["count"]) == (1, 2)
    assert second["pid"] == body["pid"]


def test_esm_handler(lambda_client, aws, tmp_path):
    source = """
    import { platform } from "node:os";

    export const handler = async (event) => ({ esm: true, platform: platform(), event });
    """
    name = deploy_node(lambda_client, source, file_name="index.mjs", prefix="node-esm")
    output, body = cli_invoke(aws, name, {"module": "esm"}, tmp_path)
    assert output["StatusCode"] == 200 and "FunctionError" not in output
    assert json.loads(body) == {"esm": True, "platform": "linux", "event": {"module": "esm"}}


def test_callback_handler(lambda_client):
    source = """
    exports.handler = (event, context, callback) => {
      setTimeout(() => callback(null, { callback: true, event }), 10);
    };
    """
    name = deploy_node(lambda_client, source, prefix="node-callback")
    assert invoke_ok(lambda_client, name, [1, 2, 3]) == {"callback": True, "event": [1, 2, 3]}


def test_callback_error_is_unhandled(lambda_client):
    source = """
    exports.handler = (event, context, callback) => {
      callback(new RangeError("callback refused"));
    };
    """
    name = deploy_node(lambda_client, source, prefix="node-callback-error")
    error = unhandled_error(invoke(lambda_client, name, {}))
    assert error["errorType"] == "RangeError"
    assert "callback refused" in error["errorMessage"]


def test_thrown_error_is_unhandled_with_error_json(lambda_client):
    source = """
    exports.handler = async () => {
      throw new TypeError("node handler fails");
    };
    """
    name = deploy_node(lambda_client, source, prefix="node-throw")
    result = invoke(lambda_client, name, {})
    error = unhandled_error(result)
    assert error["errorType"] == "TypeError"
    assert "node handler fails" in error["errorMessage"]
    assert isinstance(error.get("trace", []), list)
    # Only that invocation failed: the next one reaches the handler again.
    assert unhandled_error(invoke(lambda_client, name, {}))["errorType"] == "TypeError"
