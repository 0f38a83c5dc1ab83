# SPDX-License-Identifier: Apache-2.0
"""Reserved concurrency and the account limit (facts §2.3, §3.6): Put/Get/DeleteFunctionConcurrency
with AWS's texts and limits (unreserved never below 100), GetFunction's Concurrency member,
GetAccountSettings' UnreservedConcurrentExecutions, and throttling: reserved 1 with two slow
invocations in flight gives one 429 with the reserved Reason, reserved 0 throttles at once, and an
exhausted account limit (--account-concurrency) gives the account Reason."""

import concurrent.futures
import json

import botocore.exceptions
import pytest

from invoke_support import SERVER_ARGS, deploy, invoke, python_zip
from support.clients import function_arn
from support.functions import create_function, error_of, fresh_account, unique_name

SLOW = """
import time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "done"
"""

THROTTLE_BODY_KEYS = ["Type", "message", "Reason"]


def throttle_of(server, name):
    """A raw Invoke that must be throttled: (status, error type, body)."""
    response = server.request("POST", f"/2015-03-31/functions/{name}/invocations", b"{}",
                              operation="Invoke")
    return response.status, response.error_type, response.json()


def test_reserved_concurrency_api(server):
    account = fresh_account()
    client = server.client(access_key=account)
    name = unique_name("reserved-api")
    create_function(client, name, wait=True)
    assert "Concurrency" not in client.get_function(FunctionName=name)
    got = client.get_function_concurrency(FunctionName=name)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == {}

    put = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=250)
    assert put["ReservedConcurrentExecutions"] == 250
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 250
    assert client.get_function(FunctionName=name)["Concurrency"] == {
        "ReservedConcurrentExecutions": 250}
    limits = client.get_account_settings()["AccountLimit"]
    assert (limits["ConcurrentExecutions"], limits["UnreservedConcurrentExecutions"]) == (1000, 750)

    # AWS: unreserved may not drop below 100; the function's own reservation is credited back.
    other = unique_name("reserved-other")
    create_function(client, other, wait=True)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.put_function_concurrency(FunctionName=other, ReservedConcurrentExecutions=651)
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")
    assert client.put_function_concurrency(
        FunctionName=other, ReservedConcurrentExecutions=650)["ReservedConcurrentExecutions"] == 650
    assert client.put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=250)["ReservedConcurrentExecutions"] == 250
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 100

    # AWS texts for a qualified name and a missing function (facts §2.3, §3.1).
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.put_function_concurrency(FunctionName=name + ":1", ReservedConcurrentExecutions=1)
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not support "
        "this operation. Please specify either a function name or an unqualified function ARN.")
    missing = unique_name("missing")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.put_function_concurrency(FunctionName=missing, ReservedConcurrentExecutions=1)
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException",
        f"Function not found: {function_arn(missing, account=account)}:$LATEST")

    deleted = client.delete_function_concurrency(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(FunctionName=name)
    client.delete_function(FunctionName=other)
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


def two_slow_invocations(server, name):
    """Two raw invocations sleeping 2 s, sent at once: (statuses sorted, the 429's body)."""

    def send(_):
        return server.request("POST", f"/2015-03-31/functions/{name}/invocations",
                              b'{"sleep": 2}', operation="Invoke")

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(send, range(2)))
    responses.sort(key=lambda response: response.status)
    throttled = responses[-1]
    assert throttled.status == 429 and throttled.error_type == "TooManyRequestsException"
    assert list(throttled.json()) == THROTTLE_BODY_KEYS
    return [response.status for response in responses], throttled.json()


def test_reserved_concurrency_1_throttles_the_second_invocation(server, lambda_client):
    name = deploy(lambda_client, python_zip(SLOW), prefix="reserved-one", Timeout=10)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    statuses, body = two_slow_invocations(server, name)
    assert statuses == [200, 429]
    # AWS (facts §3.6).
    assert body == {"Type": "User", "message": "Rate Exceeded.",
                    "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    # The slot came back.
    assert invoke(lambda_client, name, {}).payload == b'"done"'


def test_reserved_concurrency_0_throttles_at_once(server, lambda_client, aws, tmp_path):
    name = deploy(lambda_client, python_zip(SLOW), prefix="reserved-zero")
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    status, error_type, body = throttle_of(server, name)
    assert (status, error_type) == (429, "TooManyRequestsException")
    assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(excinfo) == (429, "TooManyRequestsException", "Rate Exceeded.")
    code, _, stderr = aws("lambda", "invoke", "--function-name", name, str(tmp_path / "o"))
    assert code != 0 and "TooManyRequestsException" in stderr
    lambda_client.delete_function_concurrency(FunctionName=name)
    assert invoke(lambda_client, name, {}).payload == b'"done"'


def test_account_limit_throttles_with_the_account_reason(server_factory):
    server = server_factory(*SERVER_ARGS, "--account-concurrency", "1")
    client = server.client()
    assert client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 1
    name = deploy(client, python_zip(SLOW), prefix="account-limit", Timeout=10)
    statuses, body = two_slow_invocations(server, name)
    assert statuses == [200, 429]
    assert body == {"Type": "User", "message": "Rate Exceeded.",
                    "Reason": "ConcurrentInvocationLimitExceeded"}
    # Reserving anything would leave less than 100 unreserved.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert error_of(excinfo)[:2] == (400, "InvalidParameterValueException")
    assert json.loads(json.dumps(client.get_account_settings()["AccountLimit"]))[
        "UnreservedConcurrentExecutions"] == 1
