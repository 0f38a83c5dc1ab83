# SPDX-License-Identifier: Apache-2.0
"""Errors as the wire shows them: validation texts, runtime checks, the error envelope (header
and Message/message casing per code, facts §3.1), unparsable bodies and size limits (§3.8).

Validation cases go through raw signed requests: botocore would refuse some of them client-side
(MemorySize below its model minimum) and the raw path shows the exact body."""

import base64
import http.client
import json
import urllib.parse

import botocore.exceptions
import pytest

from support import zips
from support.clients import function_arn
from support.functions import ROLE, RUNTIME, create_function, error_of, unique_name

CREATE_PATH = "/2015-03-31/functions"

TIMEOUT_901 = (
    "Value '901' at 'timeout' failed to satisfy constraint: "
    "Member must have value less than or equal to 900"
)
MEMORY_64 = (
    "Value '64' at 'memorySize' failed to satisfy constraint: "
    "Member must have value greater than or equal to 128"
)
BAD_ROLE = (
    "Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression "
    r"pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
)
DEPRECATED_PYTHON37 = (
    "The runtime parameter of python3.7 is no longer supported for creating or updating AWS "
    "Lambda functions. We recommend you use a supported runtime while creating or updating "
    "functions."
)


def create_body(name, **overrides):
    body = {
        "FunctionName": name,
        "Runtime": RUNTIME,
        "Role": ROLE,
        "Handler": zips.HANDLER,
        "Code": {"ZipFile": base64.b64encode(zips.python_handler_zip()).decode()},
    }
    body.update(overrides)
    return body


def raw_create(server, **overrides):
    name = overrides.pop("FunctionName", unique_name("raw"))
    return server.call("CreateFunction", "POST", CREATE_PATH, create_body(name, **overrides))


def assert_error(response, status, code, message=None, body_keys=None):
    assert response.status == status, response
    assert response.error_type == code, response
    body = response.json()
    if body_keys is not None:
        assert set(body) == body_keys, body
    if message is not None:
        text = body.get("message", body.get("Message"))
        assert text == message, body
    return body


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, violation",
    [
        ({"Timeout": 901}, TIMEOUT_901),
        ({"MemorySize": 64}, MEMORY_64),
        ({"Role": "r1"}, BAD_ROLE),
    ],
    ids=["timeout-901", "memory-64", "bad-role"],
)
def test_single_validation_error(server, overrides, violation):
    response = raw_create(server, **overrides)
    assert_error(
        response,
        400,
        "ValidationException",
        f"1 validation error detected: {violation}",
        body_keys={"message"},
    )


def test_two_validation_errors_are_joined(server):
    response = raw_create(server, Timeout=901, MemorySize=64)
    body = assert_error(response, 400, "ValidationException", body_keys={"message"})
    prefix = "2 validation errors detected: "
    assert body["message"].startswith(prefix), body
    assert sorted(body["message"][len(prefix):].split("; ")) == sorted([TIMEOUT_901, MEMORY_64])


def test_update_configuration_validates_too(server, lambda_client):
    name = unique_name("update-invalid")
    create_function(lambda_client, name, wait=True)
    response = server.call(
        "UpdateFunctionConfiguration",
        "PUT",
        f"/2015-03-31/functions/{name}/configuration",
        {"Timeout": 901},
    )
    assert_error(
        response, 400, "ValidationException", f"1 validation error detected: {TIMEOUT_901}"
    )
    assert lambda_client.get_function_configuration(FunctionName=name)["Timeout"] == 3


def test_unknown_runtime(lambda_client):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, unique_name("runtime"), Runtime="foo")
    status, code, message = error_of(excinfo)
    assert (status, code) == (400, "InvalidParameterValueException")
    prefix = (
        "Value foo at 'runtime' failed to satisfy constraint: "
        "Member must satisfy enum value set: ["
    )
    assert message.startswith(prefix), message
    assert message.endswith("] or be a valid ARN"), message
    assert RUNTIME in message[len(prefix):]


def test_runtime_is_case_sensitive(lambda_client):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, unique_name("runtime-case"), Runtime="PYTHON3.12")
    assert error_of(excinfo)[:2] == (400, "InvalidParameterValueException")


def test_deprecated_runtime(lambda_client):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, unique_name("old"), Runtime="python3.7")
    assert error_of(excinfo) == (400, "InvalidParameterValueException", DEPRECATED_PYTHON37)


def test_package_type_image_is_refused(lambda_client):
    name = unique_name("image")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.create_function(
            FunctionName=name,
            Role=ROLE,
            PackageType="Image",
            Code={"ImageUri": "000000000000.dkr.ecr.us-east-1.amazonaws.com/repo:latest"},
        )
    assert error_of(excinfo)[:2] == (400, "InvalidParameterValueException")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name)
    assert error_of(excinfo)[0] == 404


def test_not_a_zip_is_refused(lambda_client):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, unique_name("notzip"), b"this is not a zip archive")
    assert error_of(excinfo) == (
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


def test_name_validation_precedence(lambda_client):
    """Facts §3.1: an over-long plain name is an IPVE on create but just a 404 on get."""
    long_name = "a" * 65
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, long_name)
    status, code, message = error_of(excinfo)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.endswith("Member must have length less than or equal to 64"), message

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=long_name)
    assert error_of(excinfo) == (
        404, "ResourceNotFoundException", f"Function not found: {function_arn(long_name)}"
    )


def test_lowercase_latest_qualifier_is_not_found(lambda_client):
    """Facts §3.1: a lower-case '$latest' Qualifier is a qualifier not found (404), not a
    validation error. Embedded in the name it fails AWS's functionName pattern, whose qualifier
    alternative admits only '$LATEST' (facts §3.8)."""
    name = unique_name("lower-latest")
    create_function(lambda_client, name)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name, Qualifier="$latest")
    status, code, _ = error_of(excinfo)
    assert (status, code) == (404, "ResourceNotFoundException")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=f"{name}:$latest")
    status, code, _ = error_of(excinfo)
    assert (status, code) == (400, "ValidationException")


# --- the error envelope -------------------------------------------------------------------


def test_resource_not_found_envelope(server):
    name = unique_name("envelope")
    response = server.request("GET", f"/2015-03-31/functions/{name}", operation="GetFunction")
    assert response.status == 404
    assert response.headers["X-Amzn-ErrorType"] == "ResourceNotFoundException"
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "Type": "User",
        "Message": f"Function not found: {function_arn(name)}",
    }


def test_invalid_parameter_envelope_uses_lowercase_message(server):
    response = raw_create(server, Runtime="python3.7")
    assert response.headers["X-Amzn-ErrorType"] == "InvalidParameterValueException"
    assert response.json() == {"Type": "User", "message": DEPRECATED_PYTHON37}


def test_conflict_envelope(server, lambda_client):
    name = unique_name("conflict-envelope")
    create_function(lambda_client, name)
    response = raw_create(server, FunctionName=name)
    body = assert_error(response, 409, "ResourceConflictException", body_keys={"Type", "message"})
    assert body["Type"] == "User"


@pytest.mark.parametrize(
    "body",
    [b"this is not json", b"{\"FunctionName\": ", b"[1, 2, 3]", b"\"a string\""],
    ids=["text", "truncated", "array", "string"],
)
def test_unparsable_body_is_a_client_error(server, body):
    response = server.request("POST", CREATE_PATH, body, operation="CreateFunction")
    assert response.status == 400, response
    assert response.error_type == "InvalidRequestContentException", response


def test_unparsable_update_body_is_a_client_error(server, lambda_client):
    name = unique_name("bad-update-body")
    create_function(lambda_client, name, wait=True)
    response = server.request(
        "PUT",
        f"/2015-03-31/functions/{name}/configuration",
        b"{not json",
        operation="UpdateFunctionConfiguration",
    )
    assert response.status == 400, response


def test_unknown_path_is_unknown_operation(server):
    for method, path in (
        ("GET", "/2015-03-31/nothing-here"),
        ("GET", "/no/such/path"),
        ("POST", "/2099-01-01/functions"),
        ("PATCH", "/2015-03-31/functions"),
    ):
        response = server.request(method, path)
        assert response.status == 404, (method, path, response)
        assert response.error_type == "UnknownOperationException", (method, path, response)
        body = response.json()
        assert isinstance(body.get("message", body.get("Message")), str), body


# --- size limits --------------------------------------------------------------------------


def send_headers_only(server, method, path, content_length):
    """Announces a body of `content_length` bytes and sends none: the server must refuse from
    the headers alone, without waiting for (or buffering) the body."""
    parsed = urllib.parse.urlsplit(server.endpoint)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=20)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(content_length))
        connection.putheader(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDLAMBDAHOSTTESTS/20250101/us-east-1/lambda/"
            "aws4_request, SignedHeaders=host, Signature=0",
        )
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_create_request_over_limit_is_413_before_the_body(server):
    status, headers, body = send_headers_only(
        server, "POST", CREATE_PATH, zips.MAX_CREATE_REQUEST_BYTES + 1
    )
    assert status == 413, body
    assert headers["X-Amzn-ErrorType"] == "RequestEntityTooLargeException"
    payload = json.loads(body)
    assert payload.get("message", payload.get("Message")) == (
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    )


def test_update_code_request_over_limit_is_413_before_the_body(server):
    status, headers, body = send_headers_only(
        server, "PUT", "/2015-03-31/functions/nofn/code", zips.MAX_CREATE_REQUEST_BYTES + 1
    )
    assert status == 413, body
    assert headers["X-Amzn-ErrorType"] == "RequestEntityTooLargeException"


def test_zip_over_50_mb_is_413(lambda_client):
    package = zips.oversize_zip()
    name = unique_name("big")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(lambda_client, name, package)
    assert error_of(excinfo) == (
        413,
        "RequestEntityTooLargeException",
        "Zipped size must be smaller than 52428800 bytes",
    )
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda_client.get_function(FunctionName=name)
    assert error_of(excinfo)[0] == 404
