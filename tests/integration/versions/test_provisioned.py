# SPDX-License-Identifier: Apache-2.0
"""Provisioned concurrency (facts §2.3, §3.6): Put answers 202 IN_PROGRESS, the environments run
their init without an invocation and the configuration turns READY with Allocated = Available;
invocations then find warm environments (no Init Duration, AWS_LAMBDA_INITIALIZATION_TYPE=
provisioned-concurrency); an init that raises turns it FAILED; AWS's texts for $LATEST, missing
qualifiers and version/alias conflicts; moving an alias re-provisions it; and a restart keeps
versions, aliases, reserved and provisioned concurrency."""

import concurrent.futures
import time

import botocore.exceptions
import pytest

from invoke_support import REPORT_LINE, SERVER_ARGS, deploy, invoke, python_zip
from support.clients import function_arn
from support.functions import LAST_MODIFIED, error_of, fresh_account, wait_updated

COUNTING = """
import os
import time

count = 0

def handler(event, context):
    global count
    count += 1
    time.sleep(event.get("sleep", 0))
    return {"init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
            "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"], "count": count}
"""

INIT_RAISES = """
raise RuntimeError("init fails")

def handler(event, context):
    return "unreachable"
"""

SETTLE_SECONDS = 60


def settled(client, name, qualifier):
    """The configuration once it has left IN_PROGRESS (bounded wait, not a timing check)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        config = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if config["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return config
        time.sleep(0.05)


def fields(response):
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def published(client, source, prefix, **overrides):
    name = deploy(client, python_zip(source), prefix=prefix, **overrides)
    client.publish_version(FunctionName=name)
    return name


def test_provisioned_2_is_ready_and_serves_without_cold_start(lambda_client, aws):
    name = published(lambda_client, COUNTING, "provisioned", Timeout=10)
    put = lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert {k: v for k, v in fields(put).items() if k != "LastModified"} == {
        "RequestedProvisionedConcurrentExecutions": 2,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "IN_PROGRESS"}
    assert LAST_MODIFIED.match(put["LastModified"])
    ready = settled(lambda_client, name, "1")
    assert fields(ready) == {**fields(put), "Status": "READY",
                             "AvailableProvisionedConcurrentExecutions": 2,
                             "AllocatedProvisionedConcurrentExecutions": 2}

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda _: invoke(lambda_client, name, {"sleep": 0.5}, Qualifier="1", LogType="Tail"),
            range(2)))
    for result in results:
        body = result.json()
        # The init ran ahead of time and the handler was not called then (count starts at 1);
        # count 1 in both also shows two environments served them.
        assert (body["init"], body["version"], body["count"]) == (
            "provisioned-concurrency", "1", 1)
        report = REPORT_LINE.search(result.log)
        assert report is not None, result.log
        assert report.group("init") is None, result.log  # no Init Duration

    # $LATEST is on demand.
    assert invoke(lambda_client, name, {}).json()["init"] == "on-demand"
    code, output, stderr = aws("lambda", "list-provisioned-concurrency-configs",
                               "--function-name", name)
    assert code == 0, stderr
    assert output["ProvisionedConcurrencyConfigs"] == [
        {"FunctionArn": function_arn(name) + ":1", **fields(ready)}]

    assert lambda_client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lambda_client.exceptions.ProvisionedConcurrencyConfigNotFoundException) as e:
        lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert error_of(e) == (404, "ProvisionedConcurrencyConfigNotFoundException",
                           "No Provisioned Concurrency Config found for this function")
    # AWS: deleting again is 204 (facts §2.3).
    lambda_client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")


def test_init_that_raises_turns_failed(lambda_client):
    name = published(lambda_client, INIT_RAISES, "provisioned-fails")
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    failed = settled(lambda_client, name, "1")
    assert (failed["Status"], failed["StatusReason"]) == ("FAILED", "FUNCTION_ERROR_INIT_FAILURE")
    assert (failed["AllocatedProvisionedConcurrentExecutions"],
            failed["AvailableProvisionedConcurrentExecutions"]) == (0, 0)


def test_provisioned_texts_and_conflicts(server):
    account = fresh_account()  # the account limits below count this account's settings only
    lambda_client = server.client(access_key=account)
    name = published(lambda_client, COUNTING, "provisioned-texts")
    arn = function_arn(name, account=account)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    def error(call, **params):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call(FunctionName=name, **params)
        return error_of(excinfo)

    put = lambda_client.put_provisioned_concurrency_config
    get = lambda_client.get_provisioned_concurrency_config
    delete = lambda_client.delete_provisioned_concurrency_config
    # AWS texts (facts §3.6).
    assert error(put, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == (
        400, "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    for call in (get, delete):
        assert error(call, Qualifier="$LATEST") == (
            400, "InvalidParameterValueException",
            "The function resource provided must be an alias or a published version.")
    assert error(put, Qualifier="9", ProvisionedConcurrentExecutions=1) == (
        404, "ResourceNotFoundException", f"Function not found: {arn}:9")
    assert error(get, Qualifier="nope") == (
        404, "ResourceNotFoundException", f"Cannot find alias arn: {arn}:nope")
    assert error(put, Qualifier="1", ProvisionedConcurrentExecutions=1001) == (
        400, "InvalidParameterValueException",
        "Specified ConcurrentExecutions for function is greater than account's unreserved "
        "concurrency [1000].")
    assert error(put, Qualifier="1", ProvisionedConcurrentExecutions=901) == (
        400, "InvalidParameterValueException",
        "Specified ConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")

    put(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    assert error(put, Qualifier="live", ProvisionedConcurrentExecutions=1) == (
        409, "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned "
        "version")
    delete(FunctionName=name, Qualifier="1")
    put(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert error(put, Qualifier="1", ProvisionedConcurrentExecutions=1) == (
        409, "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias")

    # Reserved concurrency bounds provisioned concurrency, and the other way round.
    assert error(lambda_client.put_function_concurrency, ReservedConcurrentExecutions=0) == (
        400, "InvalidParameterValueException",
        " ReservedConcurrentExecutions  0 should not be lower than function's total provisioned "
        "concurrency [1].")
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert error(put, Qualifier="live", ProvisionedConcurrentExecutions=2) == (
        400, "InvalidParameterValueException",
        "Requested Provisioned Concurrency should not be greater than the "
        "reservedConcurrentExecution for function")

    # AWS: deleting the alias deletes its configuration (facts §2.2).
    lambda_client.delete_alias(FunctionName=name, Name="live")
    listed = lambda_client.list_provisioned_concurrency_configs(FunctionName=name)
    assert listed["ProvisionedConcurrencyConfigs"] == []


def test_moving_an_alias_reprovisions_it(lambda_client):
    name = published(lambda_client, COUNTING, "provisioned-move")
    lambda_client.update_function_configuration(FunctionName=name, Description="second")
    wait_updated(lambda_client, name)
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    first = lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert settled(lambda_client, name, "live")["Status"] == "READY"
    result = invoke(lambda_client, name, {}, Qualifier="live")
    assert (result.executed_version, result.json()["init"]) == ("1", "provisioned-concurrency")

    lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    moved = settled(lambda_client, name, "live")
    assert moved["Status"] == "READY"
    assert moved["LastModified"] >= first["LastModified"]
    result = invoke(lambda_client, name, {}, Qualifier="live", LogType="Tail")
    assert (result.executed_version, result.json()["init"]) == ("2", "provisioned-concurrency")
    assert REPORT_LINE.search(result.log).group("init") is None
    # Version 1 lost its provisioned environments: it runs on demand now.
    assert invoke(lambda_client, name, {}, Qualifier="1").json()["init"] == "on-demand"


def test_restart_keeps_versions_aliases_and_concurrency(server_factory):
    server = server_factory(*SERVER_ARGS)
    account = fresh_account()
    client = server.client(access_key=account)
    name = published(client, COUNTING, "restart-all")
    client.update_function_configuration(FunctionName=name, Timeout=7)
    wait_updated(client, name)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert settled(client, name, "live")["Status"] == "READY"
    failing = published(client, INIT_RAISES, "restart-failed")
    client.put_provisioned_concurrency_config(
        FunctionName=failing, Qualifier="1", ProvisionedConcurrentExecutions=1)
    assert settled(client, failing, "1")["Status"] == "FAILED"

    def snapshot():
        return {
            "versions": fields(client.list_versions_by_function(FunctionName=name)),
            "aliases": fields(client.list_aliases(FunctionName=name)),
            "reserved": fields(client.get_function_concurrency(FunctionName=name)),
            "provisioned": fields(client.list_provisioned_concurrency_configs(FunctionName=name)),
            "failed": fields(client.list_provisioned_concurrency_configs(FunctionName=failing)),
            "account": client.get_account_settings()["AccountLimit"],
            "function": client.get_function(FunctionName=name, Qualifier="1")["Configuration"],
        }

    before = snapshot()
    server.restart()
    client = server.client(access_key=account)
    assert snapshot() == before

    # The READY configuration is provisioned again: invocations through the alias soon find a
    # provisioned environment (the first may still run on demand while it initialises).
    deadline = time.monotonic() + SETTLE_SECONDS
    while invoke(client, name, {}, Qualifier="live").json()["init"] != "provisioned-concurrency":
        assert time.monotonic() < deadline, "no provisioned environment after the restart"
        time.sleep(0.05)
    # Numbers are still never reused after a restart.
    client.update_function_configuration(FunctionName=name, Timeout=8)
    wait_updated(client, name)
    assert client.publish_version(FunctionName=name)["Version"] == "3"
