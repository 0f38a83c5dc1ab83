# SPDX-License-Identifier: Apache-2.0
"""Tags (TagResource, UntagResource, ListTags, GetFunction.Tags), GetAccountSettings, and the
account/region scoping that comes from the request's credentials (facts §2.3, §2.5, §3.9)."""

import botocore.exceptions
import pytest

from support.clients import function_arn
from support.functions import create_function, error_of, fresh_account, unique_name

TAG_LIMIT_MESSAGE = "Number of tags exceeds resource tag limit."
QUALIFIED_TAGS_MESSAGE = (
    "Tags on function aliases and versions are not supported. Please specify a function ARN."
)


# --- tags ---------------------------------------------------------------------------------


def test_tag_untag_and_list(lambda_client):
    name = unique_name("tags")
    create_function(lambda_client, name, Tags={"a": "1", "keep": "yes"})
    arn = function_arn(name)
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"a": "1", "keep": "yes"}

    response = lambda_client.tag_resource(Resource=arn, Tags={"a": "changed", "b": "2"})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    tags = lambda_client.list_tags(Resource=arn)["Tags"]
    assert tags == {"a": "changed", "b": "2", "keep": "yes"}

    # Unknown keys are ignored.
    response = lambda_client.untag_resource(Resource=arn, TagKeys=["a", "no-such-key"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"b": "2", "keep": "yes"}
    assert lambda_client.get_function(FunctionName=name)["Tags"] == {"b": "2", "keep": "yes"}

    lambda_client.untag_resource(Resource=arn, TagKeys=["b", "keep"])
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {}
    # GetFunction carries Tags only when there are some.
    assert "Tags" not in lambda_client.get_function(FunctionName=name)


def test_function_without_tags_has_no_tags_member(lambda_client):
    name = unique_name("untagged")
    create_function(lambda_client, name)
    assert "Tags" not in lambda_client.get_function(FunctionName=name)
    assert lambda_client.list_tags(Resource=function_arn(name))["Tags"] == {}


def test_more_than_50_tags(lambda_client):
    name = unique_name("many-tags")
    tags = {f"key{i}": str(i) for i in range(51)}
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, name, Tags=tags)
    assert error_of(excinfo) == (400, "InvalidParameterValueException", TAG_LIMIT_MESSAGE)

    create_function(lambda_client, name, Tags={f"key{i}": str(i) for i in range(50)})
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.tag_resource(Resource=function_arn(name), Tags=tags)
    assert error_of(excinfo) == (400, "InvalidParameterValueException", TAG_LIMIT_MESSAGE)
    assert len(lambda_client.list_tags(Resource=function_arn(name))["Tags"]) == 50


@pytest.mark.parametrize("qualifier", ["$LATEST", "1", "live"])
def test_tags_on_qualified_arn_are_refused(lambda_client, qualifier):
    name = unique_name("qualified-tags")
    create_function(lambda_client, name)
    arn = f"{function_arn(name)}:{qualifier}"
    for call in (
        lambda: lambda_client.tag_resource(Resource=arn, Tags={"a": "1"}),
        lambda: lambda_client.list_tags(Resource=arn),
        lambda: lambda_client.untag_resource(Resource=arn, TagKeys=["a"]),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (400, "InvalidParameterValueException", QUALIFIED_TAGS_MESSAGE)


def test_tags_on_missing_function(lambda_client):
    arn = function_arn(unique_name("no-such"))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.tag_resource(Resource=arn, Tags={"a": "1"})
    assert error_of(excinfo) == (404, "ResourceNotFoundException", f"Function not found: {arn}")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.list_tags(Resource=arn)
    assert error_of(excinfo) == (404, "ResourceNotFoundException", f"Function not found: {arn}")


# --- account settings ---------------------------------------------------------------------

ACCOUNT_LIMIT = {
    "TotalCodeSize": 80530636800,
    "CodeSizeUnzipped": 262144000,
    "CodeSizeZipped": 52428800,
    "ConcurrentExecutions": 1000,
    "UnreservedConcurrentExecutions": 1000,
}


def test_account_settings_count_functions_and_code(server, aws):
    account = fresh_account()
    client = server.client(access_key=account)
    settings = client.get_account_settings()
    assert settings["AccountLimit"] == ACCOUNT_LIMIT
    assert settings["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}

    first = create_function(client, unique_name("usage-a"))
    second = create_function(client, unique_name("usage-b"))
    settings = client.get_account_settings()
    assert settings["AccountUsage"] == {
        "TotalCodeSize": first["CodeSize"] + second["CodeSize"],
        "FunctionCount": 2,
    }

    code, output, stderr = aws("lambda", "get-account-settings", access_key=account)
    assert code == 0, stderr
    assert output == {"AccountLimit": ACCOUNT_LIMIT, "AccountUsage": settings["AccountUsage"]}

    client.delete_function(FunctionName=first["FunctionName"])
    assert client.get_account_settings()["AccountUsage"] == {
        "TotalCodeSize": second["CodeSize"],
        "FunctionCount": 1,
    }


# --- scoping by region and account --------------------------------------------------------


def test_other_region_does_not_see_the_function(server, lambda_client):
    name = unique_name("region")
    create_function(lambda_client, name)
    west = server.client(region="us-west-2")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        west.get_function(FunctionName=name)
    assert error_of(excinfo) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {function_arn(name, region='us-west-2')}",
    )
    assert name not in [f["FunctionName"] for f in west.list_functions()["Functions"]]

    # The same name can exist in both regions independently.
    created = create_function(west, name, Description="west")
    assert created["FunctionArn"] == function_arn(name, region="us-west-2")
    assert lambda_client.get_function_configuration(FunctionName=name)["Description"] == ""


def test_arn_of_another_region_is_not_reachable(server, lambda_client):
    name = unique_name("cross-region")
    create_function(lambda_client, name)
    west = server.client(region="us-west-2")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        west.get_function(FunctionName=function_arn(name))
    assert error_of(excinfo) == (
        404,
        "ResourceNotFoundException",
        "Functions from 'us-east-1' are not reachable in this region ('us-west-2')",
    )


def test_twelve_digit_access_key_is_the_account(server, lambda_client):
    account = fresh_account()
    client = server.client(access_key=account)
    name = unique_name("account")
    created = create_function(client, name)
    assert created["FunctionArn"] == function_arn(name, account=account)
    assert client.get_function(FunctionName=name)["Configuration"]["FunctionArn"] == function_arn(
        name, account=account
    )
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name)
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}"
    )
