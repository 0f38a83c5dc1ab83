# SPDX-License-Identifier: Apache-2.0
"""Published versions through boto3 and aws-cli (facts §2.1, §3.3): PublishVersion is
idempotent while $LATEST is unchanged, its CodeSha256 / RevisionId preconditions, Publish:true on
CreateFunction and UpdateFunctionCode, ListVersionsByFunction and its pages, qualified
Get/GetConfiguration/Delete, numbers never reused, versions frozen (invoking :1 after an update of
$LATEST runs the old code), ListFunctions FunctionVersion=ALL."""

import botocore.exceptions
import pytest

from invoke_support import deploy, invoke, invoke_ok, python_zip
from support.clients import function_arn
from support.functions import (
    LAST_MODIFIED,
    UUID4,
    code_sha256,
    error_of,
    fresh_account,
    unique_name,
    wait_active,
    wait_updated,
)

TAGGED = """
import os

def handler(event, context):
    return {{"tag": {tag!r}, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
             "arn": context.invoked_function_arn}}
"""


def tagged_zip(tag):
    return python_zip(TAGGED.format(tag=tag))


def update_code(client, name, tag, **params):
    response = client.update_function_code(FunctionName=name, ZipFile=tagged_zip(tag), **params)
    wait_updated(client, name)
    return response


def test_publish_twice_without_change_returns_the_same_version(lambda_client, aws):
    name = deploy(lambda_client, tagged_zip("one"), prefix="pub-same")
    latest_before = lambda_client.get_function_configuration(FunctionName=name)
    first = lambda_client.publish_version(FunctionName=name, Description="first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["Version"] == "1"
    assert first["FunctionArn"] == function_arn(name) + ":1"
    assert first["Description"] == "first"
    assert (first["State"], first["LastUpdateStatus"]) == ("Active", "Successful")
    assert first["CodeSha256"] == latest_before["CodeSha256"]
    assert UUID4.match(first["RevisionId"]) and LAST_MODIFIED.match(first["LastModified"])
    # AWS: publishing is an observable change of $LATEST (facts §3.3).
    latest_after = lambda_client.get_function_configuration(FunctionName=name)
    assert latest_after["RevisionId"] != latest_before["RevisionId"]

    # Unchanged $LATEST: the same version, as it was, even with another Description.
    again = lambda_client.publish_version(FunctionName=name, Description="other")
    assert (again["Version"], again["RevisionId"], again["Description"]) == (
        "1", first["RevisionId"], "first")
    code, output, stderr = aws("lambda", "publish-version", "--function-name", name)
    assert code == 0, stderr
    assert (output["Version"], output["RevisionId"]) == ("1", first["RevisionId"])
    assert lambda_client.get_function_configuration(FunctionName=name)["RevisionId"] == (
        latest_after["RevisionId"])

    # A change of $LATEST makes the next publish a new version.
    lambda_client.update_function_configuration(FunctionName=name, Description="changed")
    wait_updated(lambda_client, name)
    second = lambda_client.publish_version(FunctionName=name)
    assert second["Version"] == "2"
    assert second["Description"] == "changed"


def test_update_latest_then_invoke_version_1_runs_the_old_code(lambda_client, aws, tmp_path):
    name = deploy(lambda_client, tagged_zip("old"), prefix="frozen")
    assert invoke_ok(lambda_client, name)["tag"] == "old"
    published = lambda_client.publish_version(FunctionName=name)
    update_code(lambda_client, name, "new")
    lambda_client.update_function_configuration(FunctionName=name, Timeout=9)
    wait_updated(lambda_client, name)

    result = invoke(lambda_client, name, {}, Qualifier="1")
    assert result.executed_version == "1"
    assert result.json() == {"tag": "old", "version": "1", "arn": function_arn(name) + ":1"}
    # The same through a qualified ARN, and through aws-cli.
    assert invoke_ok(lambda_client, function_arn(name) + ":1")["tag"] == "old"
    out = tmp_path / "out.json"
    code, output, stderr = aws("lambda", "invoke", "--function-name", name, "--qualifier", "1",
                               str(out))
    assert code == 0, stderr
    assert output["ExecutedVersion"] == "1"
    assert '"old"' in out.read_text()
    latest = invoke(lambda_client, name, {})
    assert (latest.executed_version, latest.json()["tag"]) == ("$LATEST", "new")

    # The version's configuration is frozen too.
    version = lambda_client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert version["Timeout"] == 3
    assert version["RevisionId"] == published["RevisionId"]
    assert version["CodeSha256"] == published["CodeSha256"]


def test_publish_preconditions(lambda_client):
    name = deploy(lambda_client, tagged_zip("pre"), prefix="pub-pre")
    latest = lambda_client.get_function_configuration(FunctionName=name)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.publish_version(FunctionName=name, CodeSha256="bm9wZQ==")
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException",
        f"CodeSHA256 (bm9wZQ==) is different from current CodeSHA256 in $LATEST "
        f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.publish_version(FunctionName=name, RevisionId="not-the-revision")
    assert error_of(excinfo)[:2] == (412, "PreconditionFailedException")
    published = lambda_client.publish_version(
        FunctionName=name, CodeSha256=latest["CodeSha256"], RevisionId=latest["RevisionId"])
    assert published["Version"] == "1"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.publish_version(FunctionName=unique_name("missing"))
    assert error_of(excinfo)[:2] == (404, "ResourceNotFoundException")


def test_publish_true_on_create_and_update_code(lambda_client):
    name = unique_name("pub-true")
    package = tagged_zip("created")
    created = lambda_client.create_function(
        FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
        Handler="lambda_function.handler", Code={"ZipFile": package}, Publish=True)
    # AWS: the version's configuration, with the unqualified ARN (facts §2.1).
    assert created["Version"] == "1"
    assert created["FunctionArn"] == function_arn(name)
    assert created["CodeSha256"] == code_sha256(package)
    wait_active(lambda_client, name)
    lambda_client.get_waiter("function_active_v2").wait(
        FunctionName=name, Qualifier="1", WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
    version = lambda_client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (version["State"], version["Version"]) == ("Active", "1")
    # The state transition is no change: publishing again answers version 1.
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "1"

    updated = update_code(lambda_client, name, "updated", Publish=True)
    assert updated["Version"] == "2"
    assert invoke_ok(lambda_client, name, Qualifier="2")["tag"] == "updated"
    assert invoke_ok(lambda_client, name, Qualifier="1")["tag"] == "created"


def test_list_versions_and_pages(lambda_client, aws):
    name = deploy(lambda_client, tagged_zip("v0"), prefix="list-versions")
    for tag in ("v1", "v2", "v3"):
        update_code(lambda_client, name, tag)
        lambda_client.publish_version(FunctionName=name)
    listed = lambda_client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [item["Version"] for item in listed] == ["$LATEST", "1", "2", "3"]
    assert [item["FunctionArn"] for item in listed] == [
        function_arn(name) + suffix for suffix in (":$LATEST", ":1", ":2", ":3")]
    # AWS: list items omit State*, LastUpdateStatus* and RuntimeVersionConfig (facts §3.2).
    for item in listed:
        for absent in ("State", "LastUpdateStatus", "RuntimeVersionConfig"):
            assert absent not in item

    page = lambda_client.list_versions_by_function(FunctionName=name, MaxItems=3)
    assert [item["Version"] for item in page["Versions"]] == ["$LATEST", "1", "2"]
    rest = lambda_client.list_versions_by_function(
        FunctionName=name, MaxItems=3, Marker=page["NextMarker"])
    assert [item["Version"] for item in rest["Versions"]] == ["3"]
    assert "NextMarker" not in rest
    code, output, stderr = aws("lambda", "list-versions-by-function", "--function-name", name)
    assert code == 0, stderr
    assert [item["Version"] for item in output["Versions"]] == ["$LATEST", "1", "2", "3"]


def test_delete_versions_numbers_are_never_reused(lambda_client):
    name = deploy(lambda_client, tagged_zip("a"), prefix="delete-version")
    lambda_client.publish_version(FunctionName=name)
    update_code(lambda_client, name, "b")
    lambda_client.publish_version(FunctionName=name)

    response = lambda_client.delete_function(FunctionName=name, Qualifier="2")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name, Qualifier="2")
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}:2")
    update_code(lambda_client, name, "c")
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "3"
    listed = lambda_client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [item["Version"] for item in listed] == ["$LATEST", "1", "3"]

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.delete_function(FunctionName=name, Qualifier="$LATEST")
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.")

    # A version an alias routes to stays.
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.delete_function(FunctionName=name, Qualifier="1")
    assert error_of(excinfo) == (
        409, "ResourceConflictException",
        "Unable to delete version because the following aliases reference it: [live]")
    lambda_client.delete_function(FunctionName=name)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name, Qualifier="1")
    assert error_of(excinfo)[:2] == (404, "ResourceNotFoundException")


def test_get_function_with_version_qualifier_and_list_functions_all(server):
    account = fresh_account()
    client = server.client(access_key=account)
    name = deploy(client, tagged_zip("listed"), prefix="list-all")
    client.publish_version(FunctionName=name)
    arn = function_arn(name, account=account)

    fetched = client.get_function(FunctionName=name, Qualifier="1")
    assert fetched["Configuration"]["FunctionArn"] == arn + ":1"
    assert fetched["Configuration"]["Version"] == "1"
    assert fetched["Code"]["Location"].endswith(
        client.get_function(FunctionName=name)["Code"]["Location"].rsplit("/", 1)[1])
    by_arn = client.get_function_configuration(FunctionName=arn + ":1")
    assert by_arn["FunctionArn"] == arn + ":1"

    everything = client.list_functions(FunctionVersion="ALL")["Functions"]
    assert [(item["FunctionArn"], item["Version"]) for item in everything] == [
        (arn + ":$LATEST", "$LATEST"), (arn + ":1", "1")]
    assert [item["FunctionArn"] for item in client.list_functions()["Functions"]] == [arn]
