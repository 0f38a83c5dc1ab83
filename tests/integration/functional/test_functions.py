# SPDX-License-Identifier: Apache-2.0
"""Function management as clients see it: aws-cli and boto3 create, read, list (with
pagination), update and delete functions; defaults, code digests, code download, partial
configuration updates and RevisionId preconditions (facts §2.1, §3.2)."""

import hashlib
import urllib.request

import botocore.exceptions
import pytest

from support import zips
from support.clients import DEFAULT_ACCOUNT, function_arn, quote_path_param
from support.functions import (
    LAST_MODIFIED,
    ROLE,
    RUNTIME,
    UUID4,
    code_sha256,
    create_function,
    error_of,
    fresh_account,
    unique_name,
    wait_updated,
)


def download(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read()


def assert_code_location(server, location, zip_bytes):
    """Code.Location is a URL on this server that serves exactly the uploaded zip."""
    hex_digest = hashlib.sha256(zip_bytes).hexdigest()
    assert location == f"{server.endpoint}/_lambdahost/code/{hex_digest}"
    assert download(location) == zip_bytes


# --- aws-cli ------------------------------------------------------------------------------


def test_aws_cli_function_round_trip(server, aws, tmp_path):
    name = unique_name("cli")
    package = zips.python_handler_zip("cli-v1")
    package_path = tmp_path / "function.zip"
    package_path.write_bytes(package)

    code, created, stderr = aws(
        "lambda", "create-function",
        "--function-name", name,
        "--runtime", RUNTIME,
        "--role", ROLE,
        "--handler", zips.HANDLER,
        "--zip-file", f"fileb://{package_path}",
        "--description", "from the cli",
    )
    assert code == 0, stderr
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == function_arn(name)
    assert created["Description"] == "from the cli"
    assert created["CodeSha256"] == code_sha256(package)
    assert created["CodeSize"] == len(package)
    assert created["State"] == "Pending"

    aws("lambda", "wait", "function-active-v2", "--function-name", name, check=True)

    code, fetched, stderr = aws("lambda", "get-function", "--function-name", name)
    assert code == 0, stderr
    assert fetched["Configuration"]["State"] == "Active"
    assert fetched["Configuration"]["LastUpdateStatus"] == "Successful"
    assert fetched["Code"]["RepositoryType"] == "S3"
    assert_code_location(server, fetched["Code"]["Location"], package)

    code, configuration, stderr = aws(
        "lambda", "get-function-configuration", "--function-name", name
    )
    assert code == 0, stderr
    assert configuration == fetched["Configuration"]

    package_v2 = zips.python_handler_zip("cli-v2")
    package_path.write_bytes(package_v2)
    code, updated, stderr = aws(
        "lambda", "update-function-code",
        "--function-name", name,
        "--zip-file", f"fileb://{package_path}",
    )
    assert code == 0, stderr
    assert updated["CodeSha256"] == code_sha256(package_v2)
    assert updated["LastUpdateStatus"] == "InProgress"
    aws("lambda", "wait", "function-updated-v2", "--function-name", name, check=True)

    code, updated, stderr = aws(
        "lambda", "update-function-configuration",
        "--function-name", name,
        "--timeout", "30",
        "--environment", "Variables={GREETING=hello,MODE=test}",
    )
    assert code == 0, stderr
    assert updated["Timeout"] == 30
    assert updated["Description"] == "from the cli"
    assert updated["Environment"] == {"Variables": {"GREETING": "hello", "MODE": "test"}}
    aws("lambda", "wait", "function-updated-v2", "--function-name", name, check=True)

    code, fetched, stderr = aws("lambda", "get-function", "--function-name", name)
    assert code == 0, stderr
    assert_code_location(server, fetched["Code"]["Location"], package_v2)

    code, output, stderr = aws("lambda", "delete-function", "--function-name", name)
    assert code == 0, stderr
    assert output is None

    code, output, stderr = aws("lambda", "get-function", "--function-name", name)
    assert code == 254
    assert output is None
    assert "ResourceNotFoundException" in stderr
    assert f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}" in stderr


def test_aws_cli_missing_function_exit_code_and_message(aws):
    name = unique_name("cli-missing")
    for command in ("get-function", "get-function-configuration", "delete-function"):
        code, output, stderr = aws("lambda", command, "--function-name", name)
        assert code == 254, (command, stderr)
        assert output is None
        assert "An error occurred (ResourceNotFoundException) when calling the " in stderr
        assert f"Function not found: {function_arn(name)}" in stderr


def test_aws_cli_list_functions_pagination(server, aws):
    account = fresh_account()
    client = server.client(access_key=account)
    names = sorted(unique_name(f"page{i}") for i in range(7))
    for name in names:
        create_function(client, name)

    code, listed, stderr = aws("lambda", "list-functions", access_key=account)
    assert code == 0, stderr
    assert sorted(f["FunctionName"] for f in listed["Functions"]) == names

    # --page-size only changes the requests (MaxItems=3): the CLI still returns everything.
    code, listed, stderr = aws("lambda", "list-functions", "--page-size", "3", access_key=account)
    assert code == 0, stderr
    assert sorted(f["FunctionName"] for f in listed["Functions"]) == names

    seen = []
    token_args = []
    for expected_count in (3, 3, 1):
        code, page, stderr = aws(
            "lambda", "list-functions", "--max-items", "3", *token_args, access_key=account
        )
        assert code == 0, stderr
        assert len(page["Functions"]) == expected_count
        seen += [f["FunctionName"] for f in page["Functions"]]
        token_args = ["--starting-token", page["NextToken"]] if "NextToken" in page else []
    assert not token_args, "the last page still carried a NextToken"
    assert sorted(seen) == names


# --- boto3 --------------------------------------------------------------------------------


def test_create_function_defaults_and_digests(lambda_client):
    name = unique_name("defaults")
    package = zips.python_handler_zip(name)
    created = create_function(lambda_client, name, package)

    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == function_arn(name)
    assert created["Runtime"] == RUNTIME
    assert created["Role"] == ROLE
    assert created["Handler"] == zips.HANDLER
    assert created["Description"] == ""
    assert created["Timeout"] == 3
    assert created["MemorySize"] == 128
    assert created["EphemeralStorage"] == {"Size": 512}
    assert created["Architectures"] == ["x86_64"]
    assert created["TracingConfig"] == {"Mode": "PassThrough"}
    assert created["PackageType"] == "Zip"
    assert created["Version"] == "$LATEST"
    assert created["CodeSha256"] == code_sha256(package)
    assert created["CodeSize"] == len(package)
    assert LAST_MODIFIED.match(created["LastModified"]), created["LastModified"]
    assert UUID4.match(created["RevisionId"]), created["RevisionId"]
    assert "Environment" not in created


def test_create_function_logging_config_default(server, lambda_client):
    """LoggingConfig is newer than Debian's botocore, so it is read from the raw body."""
    name = unique_name("logging-default")
    create_function(lambda_client, name)
    response = server.call(
        "GetFunctionConfiguration", "GET", f"/2015-03-31/functions/{name}/configuration"
    )
    assert response.status == 200
    assert response.json()["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{name}",
    }


def test_get_function_matches_configuration_and_serves_code(server, lambda_client):
    name = unique_name("get")
    package = zips.python_handler_zip(name)
    create_function(lambda_client, name, package, wait=True, Tags={"team": "core"})

    fetched = lambda_client.get_function(FunctionName=name)
    configuration = lambda_client.get_function_configuration(FunctionName=name)
    del fetched["ResponseMetadata"], configuration["ResponseMetadata"]
    assert fetched["Configuration"] == configuration
    assert fetched["Tags"] == {"team": "core"}
    assert fetched["Code"]["RepositoryType"] == "S3"
    assert_code_location(server, fetched["Code"]["Location"], package)
    assert "Concurrency" not in fetched


def test_get_function_by_full_and_partial_arn(server, lambda_client):
    name = unique_name("arn")
    create_function(lambda_client, name)
    full = function_arn(name)
    partial = f"{DEFAULT_ACCOUNT}:function:{name}"
    for reference in (name, full, partial):
        assert lambda_client.get_function(FunctionName=reference)["Configuration"][
            "FunctionArn"
        ] == full
        assert lambda_client.get_function_configuration(FunctionName=reference)[
            "FunctionName"
        ] == name
    for reference in (full, partial):
        response = server.call(
            "GetFunction", "GET", f"/2015-03-31/functions/{quote_path_param(reference)}"
        )
        assert response.status == 200, response
        assert response.json()["Configuration"]["FunctionName"] == name


def test_latest_qualifier_qualifies_the_arn(server, lambda_client):
    """The ARN is qualified exactly when the caller qualified the reference (facts §3.2)."""
    name = unique_name("qualified")
    create_function(lambda_client, name)
    qualified = f"{function_arn(name)}:$LATEST"
    by_param = lambda_client.get_function_configuration(FunctionName=name, Qualifier="$LATEST")
    by_name = lambda_client.get_function(FunctionName=f"{name}:$LATEST")["Configuration"]
    assert by_param["FunctionArn"] == qualified
    assert by_name["FunctionArn"] == qualified

    account = fresh_account()
    client = server.client(access_key=account)
    create_function(client, name)
    (item,) = client.list_functions(FunctionVersion="ALL")["Functions"]
    assert item["FunctionArn"] == f"{function_arn(name, account=account)}:$LATEST"
    (item,) = client.list_functions()["Functions"]
    assert item["FunctionArn"] == function_arn(name, account=account)


def test_list_functions_pagination_with_marker(server):
    client = server.client(access_key=fresh_account())
    names = sorted(unique_name(f"list{i}") for i in range(7))
    for name in names:
        create_function(client, name)

    pages = list(client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(page["Functions"]) for page in pages] == [3, 3, 1]
    assert all("NextMarker" in page for page in pages[:-1])
    assert "NextMarker" not in pages[-1]
    listed = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert sorted(listed) == names and len(set(listed)) == 7

    # The same by hand: MaxItems + Marker.
    seen, marker = [], None
    while True:
        kwargs = {"MaxItems": 3, **({"Marker": marker} if marker else {})}
        page = client.list_functions(**kwargs)
        assert len(page["Functions"]) <= 3
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert sorted(seen) == names


def test_list_functions_items_omit_state_fields(server):
    """List items carry no State*, LastUpdateStatus* or RuntimeVersionConfig (facts §3.2)."""
    account = fresh_account()
    client = server.client(access_key=account)
    name = unique_name("list-fields")
    create_function(client, name, wait=True, Description="listed")
    response = server.call("ListFunctions", "GET", "/2015-03-31/functions", access_key=account)
    (item,) = response.json()["Functions"]
    assert item["FunctionName"] == name
    assert item["Description"] == "listed"
    assert item["FunctionArn"] == function_arn(name, account=account)
    for absent in (
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
        "RuntimeVersionConfig",
    ):
        assert absent not in item, absent


def test_update_function_code_changes_digest_and_revision(server, lambda_client):
    name = unique_name("code")
    created = create_function(lambda_client, name, wait=True)
    before = lambda_client.get_function_configuration(FunctionName=name)
    package = zips.python_handler_zip("second", extra_files={"data.txt": "x" * 1000})

    updated = lambda_client.update_function_code(FunctionName=name, ZipFile=package)
    assert updated["CodeSha256"] == code_sha256(package)
    assert updated["CodeSize"] == len(package)
    assert updated["RevisionId"] != before["RevisionId"]
    assert UUID4.match(updated["RevisionId"])
    assert LAST_MODIFIED.match(updated["LastModified"])
    assert updated["CodeSha256"] != created["CodeSha256"]
    wait_updated(lambda_client, name)

    fetched = lambda_client.get_function(FunctionName=name)
    assert fetched["Configuration"]["CodeSha256"] == code_sha256(package)
    assert_code_location(server, fetched["Code"]["Location"], package)


def test_update_function_configuration_merges_partially(lambda_client):
    name = unique_name("merge")
    create_function(lambda_client, name, wait=True, Description="keep me", MemorySize=256)

    updated = lambda_client.update_function_configuration(FunctionName=name, Timeout=10)
    assert updated["Timeout"] == 10
    assert updated["Description"] == "keep me"
    assert updated["MemorySize"] == 256
    assert "Environment" not in updated
    wait_updated(lambda_client, name)

    updated = lambda_client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"ALPHA": "1", "BETA": "two"}}
    )
    assert updated["Environment"] == {"Variables": {"ALPHA": "1", "BETA": "two"}}
    assert updated["Timeout"] == 10
    assert updated["Description"] == "keep me"
    wait_updated(lambda_client, name)

    configuration = lambda_client.get_function_configuration(FunctionName=name)
    assert configuration["Environment"] == {"Variables": {"ALPHA": "1", "BETA": "two"}}
    assert configuration["Timeout"] == 10
    assert configuration["MemorySize"] == 256
    assert configuration["Description"] == "keep me"


def test_update_logging_config_json_adds_and_text_removes_levels(server, lambda_client):
    """LoggingConfig goes through raw signed requests: Debian's botocore cannot send it."""
    name = unique_name("logging")
    create_function(lambda_client, name, wait=True)
    path = f"/2015-03-31/functions/{name}/configuration"

    response = server.call(
        "UpdateFunctionConfiguration", "PUT", path, {"LoggingConfig": {"LogFormat": "JSON"}}
    )
    assert response.status == 200, response
    assert response.json()["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    wait_updated(lambda_client, name)

    response = server.call(
        "UpdateFunctionConfiguration",
        "PUT",
        path,
        {"LoggingConfig": {"ApplicationLogLevel": "DEBUG"}, "Timeout": 5},
    )
    assert response.status == 200, response
    assert response.json()["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "DEBUG",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    wait_updated(lambda_client, name)

    response = server.call(
        "UpdateFunctionConfiguration", "PUT", path, {"LoggingConfig": {"LogFormat": "Text"}}
    )
    assert response.status == 200, response
    assert response.json()["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{name}",
    }
    assert response.json()["Timeout"] == 5
    wait_updated(lambda_client, name)

    fetched = server.call("GetFunctionConfiguration", "GET", path)
    assert fetched.json()["LoggingConfig"] == response.json()["LoggingConfig"]


def test_revision_id_precondition(lambda_client):
    name = unique_name("revision")
    create_function(lambda_client, name, wait=True)
    current = lambda_client.get_function_configuration(FunctionName=name)["RevisionId"]
    stale = "00000000-0000-4000-8000-000000000000"
    message = (
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.update_function_configuration(FunctionName=name, Timeout=9, RevisionId=stale)
    assert error_of(excinfo) == (412, "PreconditionFailedException", message)

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.update_function_code(
            FunctionName=name, ZipFile=zips.python_handler_zip("rev"), RevisionId=stale
        )
    assert error_of(excinfo) == (412, "PreconditionFailedException", message)

    assert lambda_client.get_function_configuration(FunctionName=name)["RevisionId"] == current
    updated = lambda_client.update_function_configuration(
        FunctionName=name, Timeout=9, RevisionId=current
    )
    assert updated["Timeout"] == 9
    assert updated["RevisionId"] != current


def test_duplicate_create_conflicts(lambda_client):
    name = unique_name("dup")
    create_function(lambda_client, name)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, name)
    status, code, message = error_of(excinfo)
    assert (status, code) == (409, "ResourceConflictException")
    assert name in message


def test_delete_function(lambda_client):
    name = unique_name("delete")
    create_function(lambda_client, name, wait=True)
    response = lambda_client.delete_function(FunctionName=name)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204

    expected = (404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")
    for call in (lambda_client.get_function, lambda_client.get_function_configuration,
                 lambda_client.delete_function):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call(FunctionName=name)
        assert error_of(excinfo) == expected

    # The name is free again.
    assert create_function(lambda_client, name)["FunctionName"] == name


def test_create_with_all_common_settings(lambda_client):
    name = unique_name("settings")
    created = create_function(
        lambda_client,
        name,
        Description="everything",
        Timeout=900,
        MemorySize=10240,
        EphemeralStorage={"Size": 10240},
        Architectures=["arm64"],
        Environment={"Variables": {}},
        TracingConfig={"Mode": "Active"},
    )
    assert created["Description"] == "everything"
    assert created["Timeout"] == 900
    assert created["MemorySize"] == 10240
    assert created["EphemeralStorage"] == {"Size": 10240}
    assert created["Architectures"] == ["arm64"]
    assert created["Environment"] == {"Variables": {}}
    assert created["TracingConfig"] == {"Mode": "Active"}
