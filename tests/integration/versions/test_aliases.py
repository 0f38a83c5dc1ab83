# SPDX-License-Identifier: Apache-2.0
"""Aliases through boto3 and aws-cli (facts §2.2, §3.4): create/get/update/delete/list with AWS's
texts, RoutingConfig validation, weighted routing per invocation (X-Amz-Executed-Version), the
alias ARN as the function's invoked_function_arn, alias ARNs wherever a qualifier is taken, and
idempotent DeleteAlias."""

import json

import botocore.exceptions
import pytest

from invoke_support import deploy, invoke, invoke_ok, python_zip
from support.clients import function_arn
from support.functions import UUID4, error_of, unique_name, wait_updated

TAGGED = """
def handler(event, context):
    return {{"tag": {tag!r}, "arn": context.invoked_function_arn}}
"""


def two_versions(client, prefix):
    """A function with versions 1 ("one") and 2 ("two"); $LATEST is "two"."""
    name = deploy(client, python_zip(TAGGED.format(tag="one")), prefix=prefix)
    client.publish_version(FunctionName=name)
    client.update_function_code(FunctionName=name, ZipFile=python_zip(TAGGED.format(tag="two")))
    wait_updated(client, name)
    client.publish_version(FunctionName=name)
    return name


def alias_arn(name, alias):
    return f"{function_arn(name)}:{alias}"


def test_alias_lifecycle(lambda_client, aws):
    name = two_versions(lambda_client, "alias-crud")
    created = lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["AliasArn"] == alias_arn(name, "live")
    assert (created["Name"], created["FunctionVersion"], created["Description"]) == (
        "live", "1", "")
    assert "RoutingConfig" not in created
    assert UUID4.match(created["RevisionId"])
    fetched = lambda_client.get_alias(FunctionName=name, Name="live")
    assert {k: v for k, v in fetched.items() if k != "ResponseMetadata"} == {
        k: v for k, v in created.items() if k != "ResponseMetadata"}

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert error_of(excinfo) == (
        409, "ResourceConflictException", f"Alias already exists: {alias_arn(name, 'live')}")

    updated = lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                         Description="now two")
    assert (updated["FunctionVersion"], updated["Description"]) == ("2", "now two")
    assert updated["RevisionId"] != created["RevisionId"]
    # AWS: every update is a new revision, even one that changes nothing (facts §2.2).
    again = lambda_client.update_alias(FunctionName=name, Name="live")
    assert again["RevisionId"] != updated["RevisionId"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.update_alias(FunctionName=name, Name="live", RevisionId=updated["RevisionId"])
    assert error_of(excinfo)[:2] == (412, "PreconditionFailedException")

    lambda_client.create_alias(FunctionName=name, Name="beta", FunctionVersion="$LATEST")
    code, output, stderr = aws("lambda", "list-aliases", "--function-name", name)
    assert code == 0, stderr
    assert [(a["Name"], a["FunctionVersion"]) for a in output["Aliases"]] == [
        ("beta", "$LATEST"), ("live", "2")]
    only_two = lambda_client.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]
    assert [a["Name"] for a in only_two] == ["live"]
    page = lambda_client.list_aliases(FunctionName=name, MaxItems=1)
    assert [a["Name"] for a in page["Aliases"]] == ["beta"]
    rest = lambda_client.list_aliases(FunctionName=name, MaxItems=1, Marker=page["NextMarker"])
    assert [a["Name"] for a in rest["Aliases"]] == ["live"]
    assert "NextMarker" not in rest

    assert lambda_client.delete_alias(FunctionName=name, Name="live")[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    # AWS: deleting an alias that is not there is still 204 (facts §2.2).
    assert lambda_client.delete_alias(FunctionName=name, Name="live")[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_alias(FunctionName=name, Name="live")
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Cannot find alias arn: {alias_arn(name, 'live')}")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Alias not found: {alias_arn(name, 'live')}")


def test_alias_validation_texts(server, lambda_client):
    name = two_versions(lambda_client, "alias-valid")

    def create(routing, version="1", alias=None):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            lambda_client.create_alias(FunctionName=name, Name=alias or unique_name("a"),
                                       FunctionVersion=version, RoutingConfig=routing)
        return error_of(excinfo)

    # AWS texts (facts §3.4).
    assert create({"AdditionalVersionWeights": {"2": 0.5, "3": 0.1}}) == (
        400, "InvalidParameterValueException",
        "Number of items in AdditionalVersionWeights cannot be greater than 1")
    assert create({"AdditionalVersionWeights": {"1": 0.5}}) == (
        400, "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing "
        "configuration.")
    assert create({"AdditionalVersionWeights": {"2": 0.5}}, version="$LATEST") == (
        400, "InvalidParameterValueException",
        "$LATEST is not supported for an alias pointing to more than 1 version")
    assert create({"AdditionalVersionWeights": {"10": 0.5}}) == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}:10")
    assert create({}, version="7") == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}:7")

    # Constraint violations come from the server only when botocore does not check them first.
    def raw_create(body):
        response = server.call("CreateAlias", "POST",
                                f"/2015-03-31/functions/{name}/aliases", body)
        return response.status, response.error_type, response.json()["message"]

    assert raw_create({"Name": "w", "FunctionVersion": "1",
                       "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}}}) == (
        400, "ValidationException",
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' "
        "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value "
        "less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member "
        "must not be null]")
    status, error_type, message = raw_create(
        {"Name": "k", "FunctionVersion": "1",
         "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.5}}})
    assert (status, error_type) == (400, "ValidationException")
    assert "Map keys must satisfy constraint: [" in message
    assert message.endswith("Member must satisfy regular expression pattern: [0-9]+]")
    status, error_type, message = raw_create({"Name": "123", "FunctionVersion": "1"})
    assert (status, error_type) == (400, "ValidationException")
    assert message == ("1 validation error detected: Value '123' at 'name' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: "
                       "(?!^[0-9]+$)([a-zA-Z0-9-_]+)")

    # AWS: RoutingConfig {} is accepted and not echoed (facts §3.4); on update it clears.
    created = lambda_client.create_alias(FunctionName=name, Name="plain", FunctionVersion="1",
                                         RoutingConfig={})
    assert "RoutingConfig" not in created
    routed = lambda_client.update_alias(FunctionName=name, Name="plain",
                                        RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    assert routed["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    cleared = lambda_client.update_alias(FunctionName=name, Name="plain", RoutingConfig={})
    assert "RoutingConfig" not in cleared


def test_weighted_alias_splits_invocations(lambda_client):
    name = two_versions(lambda_client, "alias-weights")
    lambda_client.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    counts = {"1": 0, "2": 0}
    for _ in range(200):
        result = invoke(lambda_client, name, {}, Qualifier="canary")
        body = result.json()
        # X-Amz-Executed-Version names the version that ran; the function sees the alias ARN.
        assert body["tag"] == {"1": "one", "2": "two"}[result.executed_version]
        assert body["arn"] == alias_arn(name, "canary")
        counts[result.executed_version] += 1
    # Binomial(200, 0.5): outside [70, 130] has probability below 1e-4.
    assert 70 <= counts["1"] <= 130, counts
    assert 70 <= counts["2"] <= 130, counts


def test_alias_arn_works_wherever_a_qualifier_is_taken(lambda_client, aws, tmp_path):
    name = two_versions(lambda_client, "alias-arn")
    lambda_client.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    arn = alias_arn(name, "prod")

    result = invoke(lambda_client, arn, {})
    assert (result.executed_version, result.json()) == ("1", {"tag": "one", "arn": arn})
    out = tmp_path / "out.json"
    code, output, stderr = aws("lambda", "invoke", "--function-name", name, "--qualifier",
                               "prod", str(out))
    assert code == 0, stderr
    assert output["ExecutedVersion"] == "1"
    assert json.loads(out.read_text()) == {"tag": "one", "arn": arn}

    # AWS: via an alias, FunctionArn ends with the alias and RevisionId is the version's.
    version = lambda_client.get_function_configuration(FunctionName=name, Qualifier="1")
    for fetched in (lambda_client.get_function_configuration(FunctionName=arn),
                    lambda_client.get_function(FunctionName=name, Qualifier="prod")[
                        "Configuration"]):
        assert fetched["FunctionArn"] == arn
        assert (fetched["Version"], fetched["RevisionId"]) == ("1", version["RevisionId"])

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.delete_function(FunctionName=name, Qualifier="prod")
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException", "Deletion of aliases is not currently supported.")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.invoke(FunctionName=name, Qualifier="nope")
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}:nope")

    # Moving the alias moves the invocations.
    lambda_client.update_alias(FunctionName=name, Name="prod", FunctionVersion="2")
    assert invoke_ok(lambda_client, arn)["tag"] == "two"
