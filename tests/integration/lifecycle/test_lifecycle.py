# SPDX-License-Identifier: Apache-2.0
"""Function states as SDK waiters and CI scripts observe them (facts §1.3, §3.2): CreateFunction
answers Pending, GetFunction later shows Active/Successful; updates answer InProgress and settle
to Successful; a second update while one is in progress is a 409; RevisionId moves with every
observable change. The conflict test runs its own server with a 3 s transition delay so the
InProgress window is wide enough to hit."""

import time

import botocore.exceptions
import pytest

from support import zips
from support.clients import function_arn
from support.functions import (
    UUID4,
    create_function,
    error_of,
    unique_name,
    wait_active,
    wait_updated,
)

TRANSITION_DELAY_MS = 3000
BEING_CREATED = "The function is being created."


def assert_steady(configuration):
    assert configuration["State"] == "Active"
    assert configuration["LastUpdateStatus"] == "Successful"
    for absent in ("StateReason", "StateReasonCode", "LastUpdateStatusReason",
                   "LastUpdateStatusReasonCode"):
        assert absent not in configuration, (absent, configuration)


def assert_in_progress(configuration):
    assert configuration["LastUpdateStatus"] == "InProgress"
    assert configuration["LastUpdateStatusReason"] == BEING_CREATED
    assert configuration["LastUpdateStatusReasonCode"] == "Creating"


def test_create_answers_pending_then_waiter_sees_active(lambda_client):
    name = unique_name("pending")
    created = create_function(lambda_client, name)
    assert created["State"] == "Pending"
    assert created["StateReason"] == BEING_CREATED
    assert created["StateReasonCode"] == "Creating"
    for absent in ("LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"):
        assert absent not in created

    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
    configuration = lambda_client.get_function(FunctionName=name)["Configuration"]
    assert_steady(configuration)
    # The Pending -> Active transition is an observable change (facts §1.4).
    assert UUID4.match(configuration["RevisionId"])
    assert configuration["RevisionId"] != created["RevisionId"]


def test_update_answers_in_progress_then_waiter_sees_successful(lambda_client):
    name = unique_name("updated")
    create_function(lambda_client, name, wait=True)
    revisions = {lambda_client.get_function_configuration(FunctionName=name)["RevisionId"]}

    updated = lambda_client.update_function_code(
        FunctionName=name, ZipFile=zips.python_handler_zip("v2")
    )
    assert updated["State"] == "Active"
    assert_in_progress(updated)
    revisions.add(updated["RevisionId"])
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
    configuration = lambda_client.get_function_configuration(FunctionName=name)
    assert_steady(configuration)
    revisions.add(configuration["RevisionId"])

    updated = lambda_client.update_function_configuration(FunctionName=name, MemorySize=512)
    assert_in_progress(updated)
    assert updated["MemorySize"] == 512
    revisions.add(updated["RevisionId"])
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
    configuration = lambda_client.get_function_configuration(FunctionName=name)
    assert_steady(configuration)
    assert configuration["MemorySize"] == 512

    # Every update produced a new revision.
    assert len(revisions) >= 3


def test_function_exists_waiter(lambda_client):
    name = unique_name("exists")
    create_function(lambda_client, name)
    lambda_client.get_waiter("function_exists").wait(FunctionName=name)


def test_second_update_while_in_progress_conflicts(server_factory):
    server = server_factory("--state-transition-delay-ms", TRANSITION_DELAY_MS)
    client = server.client()
    name = unique_name("conflict")
    conflict = (
        409,
        "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in progress for resource: "
        + function_arn(name),
    )

    started = time.monotonic()
    create_function(client, name)
    pending = client.get_function_configuration(FunctionName=name)
    assert pending["State"] == "Pending"
    assert pending["StateReasonCode"] == "Creating"
    wait_active(client, name)
    # The delay is a minimum time in Pending.
    assert time.monotonic() - started >= TRANSITION_DELAY_MS / 1000 - 0.2

    first = client.update_function_configuration(FunctionName=name, Timeout=10)
    assert_in_progress(first)

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.update_function_configuration(FunctionName=name, Timeout=20)
    assert error_of(excinfo) == conflict
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.update_function_code(FunctionName=name, ZipFile=zips.python_handler_zip("late"))
    assert error_of(excinfo) == conflict

    # Still in progress, and the refused updates changed nothing.
    during = client.get_function_configuration(FunctionName=name)
    assert_in_progress(during)
    assert during["Timeout"] == 10
    assert during["RevisionId"] == first["RevisionId"]

    wait_updated(client, name)
    settled = client.get_function_configuration(FunctionName=name)
    assert_steady(settled)
    assert settled["Timeout"] == 10

    again = client.update_function_configuration(FunctionName=name, Timeout=20)
    assert again["Timeout"] == 20
    assert_in_progress(again)
