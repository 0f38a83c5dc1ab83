# SPDX-License-Identifier: Apache-2.0
"""Asynchronous invocation end to end (facts §3.7, issue 6): Event invokes answered 202 after
the commit, the retry schedule with one request id, destination records for Success,
RetriesExhausted, EventAgeExceeded and ZeroReservedConcurrency, lambda and SQS destinations
(SigV4-signed SendMessage to a receiver run by the test), DeadLetterConfig attributes, the
dead-letter store and its redrive, events surviving a restart, the EventInvokeConfig API and
the legacy InvokeAsync. Retry delays are scaled to seconds (--async-retry-base-delay 1)."""

import json
import os
import re
import subprocess
import time
import urllib.request

import botocore.exceptions
import pytest

from async_support import (
    SERVER_ARGS,
    Collector,
    deploy_reporter,
    free_port,
    function_arn,
    invoke_event,
    verify_sigv4,
)
from support import server as server_module
from support.clients import DEFAULT_ACCOUNT
from support.functions import error_of

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SQS_ARN = f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:destination-queue"
FAIL = {"fail": True, "n": 1}


@pytest.fixture(scope="module")
def collector():
    with Collector() as started:
        yield started


@pytest.fixture(scope="module")
def server(tmp_path_factory, collector):
    with server_module.serving(
        tmp_path_factory.mktemp("lambdahost"),
        SERVER_ARGS + ("--async-retry-base-delay", "1", "--sqs-endpoint", collector.url),
    ) as started:
        yield started


@pytest.fixture(scope="module")
def destination(lambda_client, collector):
    """A reporter that receives destination records as its events."""
    return deploy_reporter(lambda_client, collector, prefix="destination")


def code_and_message(raised):
    return error_of(raised)[1:]


def records_for(collector, destination, request_id, count=1):
    """The destination records `destination` received about `request_id`."""
    found = collector.wait_for(
        lambda r: r.path == "/report" and r.json()["function"] == destination
        and r.json()["event"].get("requestContext", {}).get("requestId") == request_id,
        count)
    return [r.json()["event"] for r in found]


def sqs_messages(collector, predicate, count=1):
    found = collector.wait_for(
        lambda r: r.target == "AmazonSQS.SendMessage" and predicate(r.json()), count)
    return found


# --- Event invokes ----------------------------------------------------------------------


def test_event_invoke_answers_202_and_runs_once(lambda_client, collector):
    name = deploy_reporter(lambda_client, collector)
    status, request_id, payload = invoke_event(lambda_client, name, {"hello": "world"})
    assert (status, payload) == (202, b"")
    reports = collector.reports(name)
    assert reports == [{"request_id": request_id, "function": name, "event": {"hello": "world"}}]


def test_failing_function_runs_three_times_then_on_failure_record(
        lambda_client, collector, destination):
    name = deploy_reporter(lambda_client, collector, prefix="failing")
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    _, request_id, _ = invoke_event(lambda_client, name, FAIL)

    [record] = records_for(collector, destination, request_id)
    # AWS: MaximumRetryAttempts defaults to 2 -> 3 runs, one request id (facts §3.7).
    runs = collector.reports_now(name)
    assert [run["request_id"] for run in runs] == [request_id] * 3
    assert record["version"] == "1.0"
    assert TIMESTAMP.match(record["timestamp"]), record["timestamp"]
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": function_arn(name, "$LATEST"),
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == FAIL
    assert record["responseContext"] == {
        "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "intentional failure"
    assert record["responsePayload"]["errorType"] == "Exception"
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload",
                            "responseContext", "responsePayload"]


def test_on_success_record(lambda_client, collector, destination):
    name = deploy_reporter(lambda_client, collector, prefix="succeeding")
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": function_arn(destination)}})
    _, request_id, _ = invoke_event(lambda_client, name, {"k": "v"})
    [record] = records_for(collector, destination, request_id)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"ok": True, "echo": {"k": "v"}}


def test_maximum_retry_attempts_zero_runs_once(lambda_client, collector, destination):
    name = deploy_reporter(lambda_client, collector, prefix="no-retry")
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    _, request_id, _ = invoke_event(lambda_client, name, FAIL)
    [record] = records_for(collector, destination, request_id)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert len(collector.reports_now(name)) == 1


def test_zero_reserved_concurrency_goes_straight_to_on_failure(
        lambda_client, collector, destination):
    name = deploy_reporter(lambda_client, collector, prefix="zero-reserved")
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    status, request_id, _ = invoke_event(lambda_client, name, {"x": 1})
    assert status == 202  # AWS: accepted, then ZeroReservedConcurrency (facts §3.6)
    [record] = records_for(collector, destination, request_id)
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record
    assert collector.reports_now(name) == []


def test_event_age_look_ahead_gives_event_age_exceeded(server_factory, collector):
    # With a 120 s first retry, a 60 s maximum age cannot wait for it: AWS's look-ahead ends the
    # event after one attempt (facts §3.7).
    slow = server_factory(*SERVER_ARGS, "--async-retry-base-delay", "120")
    client = slow.client()
    destination = deploy_reporter(client, collector, prefix="age-destination")
    name = deploy_reporter(client, collector, prefix="age")
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    _, request_id, _ = invoke_event(client, name, FAIL)
    [record] = records_for(collector, destination, request_id)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_events_survive_a_restart_with_their_attempt_count(server_factory, collector):
    restarted = server_factory(*SERVER_ARGS, "--async-retry-base-delay", "2", "--log-level",
                               "debug")
    client = restarted.client()
    destination = deploy_reporter(client, collector, prefix="restart-destination")
    name = deploy_reporter(client, collector, prefix="restart")
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    _, request_id, _ = invoke_event(client, name, FAIL)
    # The first attempt failed and its retry (due 2 s later) is queued: then stop.
    deadline = time.monotonic() + 60
    while (f"async: {request_id} for" not in restarted.log_path.read_text()
           and time.monotonic() < deadline):
        time.sleep(0.05)
    restarted.restart()
    client = restarted.client()
    [record] = records_for(collector, destination, request_id)
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert [run["request_id"] for run in collector.reports_now(name)] == [request_id] * 2


# --- SQS destinations, DeadLetterConfig and the dead-letter store ------------------------


def test_sqs_destination_gets_a_signed_send_message(lambda_client, collector):
    name = deploy_reporter(lambda_client, collector, prefix="to-sqs")
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": SQS_ARN}})
    _, request_id, _ = invoke_event(lambda_client, name, {"to": "sqs"})
    [message] = sqs_messages(
        collector, lambda b: json.loads(b["MessageBody"])["requestContext"]["requestId"] == request_id)
    assert message.path == "/"
    assert message.headers["Content-Type"] == "application/x-amz-json-1.0"
    key = verify_sigv4(message, os.environ.get("AWS_SECRET_ACCESS_KEY", "test"), "sqs", "us-east-1")
    assert key == os.environ.get("AWS_ACCESS_KEY_ID", "test")
    body = message.json()
    assert body["QueueUrl"] == f"{collector.url}/{DEFAULT_ACCOUNT}/destination-queue"
    record = json.loads(body["MessageBody"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"to": "sqs"}
    assert "MessageAttributes" not in body


def test_dead_letter_config_gets_the_event_with_attributes(lambda_client, collector, destination):
    dlq_arn = f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:function-dlq"
    name = deploy_reporter(lambda_client, collector, prefix="with-dlq",
                           DeadLetterConfig={"TargetArn": dlq_arn})
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
    event = {"fail": True, "order": 42}
    _, request_id, _ = invoke_event(lambda_client, name, event)
    [message] = sqs_messages(
        collector, lambda b: b["QueueUrl"].endswith("/function-dlq")
        and b["MessageAttributes"]["RequestID"]["StringValue"] == request_id)
    body = message.json()
    # AWS: the original event, RequestID / ErrorCode / ErrorMessage (facts §3.7).
    assert json.loads(body["MessageBody"]) == event
    assert body["MessageAttributes"] == {
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "intentional failure"},
        "RequestID": {"DataType": "String", "StringValue": request_id},
    }
    # Both fire when both are configured.
    assert records_for(collector, destination, request_id)


def dlq(server, *args):
    completed = subprocess.run(
        [server_module.binary_path(), "dlq", *args, "--endpoint", server.endpoint],
        capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_unreachable_destination_lands_in_the_dead_letter_store_and_redrive_delivers(
        server_factory, collector):
    port = free_port()  # nothing listens here until the receiver starts below
    down = server_factory(*SERVER_ARGS, "--sqs-endpoint", f"http://127.0.0.1:{port}")
    client = down.client()
    name = deploy_reporter(client, collector, prefix="receiver-down")
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": SQS_ARN}})
    _, request_id, _ = invoke_event(client, name, {"later": True})

    # Three calls fail (1 s and 2 s apart), then the record goes to the dead-letter store.
    deadline = time.monotonic() + 60
    while not (entries := dlq(down, "list")["DeadLetters"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    [entry] = entries
    assert entry["Target"] == SQS_ARN
    assert entry["Origin"] == "OnSuccess"
    assert entry["RequestId"] == request_id
    assert "127.0.0.1" in entry["Error"]
    shown = dlq(down, "show", entry["Id"])
    assert json.loads(shown["Body"])["requestContext"]["requestId"] == request_id

    with Collector(port) as receiver:
        assert dlq(down, "redrive", entry["Id"]) == {"Redriven": 1}
        [message] = receiver.wait_for(lambda r: r.target == "AmazonSQS.SendMessage")
        assert json.loads(message.json()["MessageBody"])["requestContext"]["requestId"] == request_id
    assert dlq(down, "list") == {"DeadLetters": []}


def test_dead_letter_admin_routes(server):
    missing = server.request("GET", "/_lambdahost/dlq/no-such-id")
    assert missing.status == 404
    assert server.request("DELETE", "/_lambdahost/dlq").json() == {"Purged": 0}
    assert server.request("POST", "/_lambdahost/dlq/redrive").json() == {"Redriven": 0}


# --- request checks -----------------------------------------------------------------------


def test_event_payload_limit_is_one_megabyte(lambda_client, collector):
    name = deploy_reporter(lambda_client, collector, prefix="limit")
    at_limit = json.dumps("a" * (1048576 - 2))
    assert len(at_limit) == 1048576
    response = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=at_limit)
    assert response["StatusCode"] == 202
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        lambda_client.invoke(FunctionName=name, InvocationType="Event",
                             Payload=json.dumps("a" * (1048576 - 1)))
    assert code_and_message(raised) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 1048576 bytes for the InvokeFunction operation")


def test_event_invoke_of_a_missing_function_is_404(lambda_client):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        lambda_client.invoke(FunctionName="no-such-function", InvocationType="Event")
    assert code_and_message(raised) == (
        "ResourceNotFoundException",
        f"Function not found: {function_arn('no-such-function', '$LATEST')}")


def test_legacy_invoke_async(lambda_client, collector):
    name = deploy_reporter(lambda_client, collector, prefix="legacy")
    response = lambda_client.invoke_async(FunctionName=name, InvokeArgs=b'{"legacy": 1}')
    assert response["Status"] == 202
    [report] = collector.reports(name)
    assert report["event"] == {"legacy": 1}
    # Raw clients read the status from the body too.
    raw = urllib.request.urlopen(urllib.request.Request(
        f"{lambda_client.meta.endpoint_url}/2014-11-13/functions/{name}/invoke-async/",
        data=b'{"raw": 1}', method="POST"))
    assert (raw.status, json.loads(raw.read())) == (202, {"Status": 202})


# --- EventInvokeConfig API ----------------------------------------------------------------


def test_event_invoke_config_lifecycle(lambda_client, collector, destination):
    name = deploy_reporter(lambda_client, collector, prefix="config")
    put = lambda_client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert put["FunctionArn"] == function_arn(name, "$LATEST")
    assert put["MaximumRetryAttempts"] == 1
    assert "MaximumEventAgeInSeconds" not in put
    # AWS renders both sides of DestinationConfig, empty when unset (facts §3.7).
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}

    updated = lambda_client.update_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=300,
        DestinationConfig={"OnSuccess": {"Destination": SQS_ARN}})
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 300)
    assert updated["DestinationConfig"] == {"OnSuccess": {"Destination": SQS_ARN}, "OnFailure": {}}

    got = lambda_client.get_function_event_invoke_config(FunctionName=name)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == {
        k: v for k, v in updated.items() if k != "ResponseMetadata"}
    listed = lambda_client.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [
        function_arn(name, "$LATEST")]

    # Put overwrites: unset settings are removed.
    replaced = lambda_client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60)
    assert "MaximumRetryAttempts" not in replaced
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}

    lambda_client.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        lambda_client.get_function_event_invoke_config(FunctionName=name)
    assert code_and_message(raised) == (
        "ResourceNotFoundException",
        f"The function {function_arn(name, '$LATEST')} doesn't have an EventInvokeConfig")


def test_event_invoke_config_validation(server, lambda_client, collector):
    name = deploy_reporter(lambda_client, collector, prefix="config-checks")
    unchecked = server.client(validate=False)

    def error(call, **params):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(FunctionName=name, **params)
        return code_and_message(raised)

    put = unchecked.put_function_event_invoke_config
    assert error(put, MaximumRetryAttempts=3, MaximumEventAgeInSeconds=59) == (
        "ValidationException",
        "2 validation errors detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
        "constraint: Member must have value less than or equal to 2; Value '59' at "
        "'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value "
        "greater than or equal to 60")
    assert error(put) == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.")
    assert error(put, DestinationConfig={"OnSuccess": {"Destination": "not-an-arn"}})[0] == (
        "ValidationException")
    assert error(put, DestinationConfig={"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}) == (
        "InvalidParameterValueException",
        "The provided destination config DestinationConfig(onSuccess=OnSuccess("
        "destination=arn:aws:s3:::bucket), onFailure=null) is invalid.")
    missing = function_arn("no-such-destination")
    assert error(put, DestinationConfig={"OnFailure": {"Destination": missing}}) == (
        "InvalidParameterValueException", f"The destination ARN {missing} is invalid.")
    assert error(put, DestinationConfig={"OnFailure": {"Destination": function_arn(name)}}) == (
        "InvalidParameterValueException",
        "You can't specify the function as a destination for itself.")
    assert error(unchecked.update_function_event_invoke_config, MaximumRetryAttempts=1) == (
        "ResourceNotFoundException",
        f"The function {function_arn(name, '$LATEST')} doesn't have an EventInvokeConfig")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        unchecked.put_function_event_invoke_config(FunctionName="no-such-fn", MaximumRetryAttempts=1)
    assert code_and_message(raised) == ("ResourceNotFoundException", "The function doesn't exist.")
