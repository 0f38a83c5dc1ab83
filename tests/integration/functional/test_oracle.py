# SPDX-License-Identifier: Apache-2.0
"""The service-model oracle itself (no server): it must flag each kind of drift it exists to
catch, or every other test's shape check would pass vacuously."""

import json

import pytest

from support.oracle import ShapeViolation, service_model

GOOD_CONFIGURATION = {
    "FunctionName": "f",
    "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::000000000000:role/r",
    "Handler": "lambda_function.handler",
    "CodeSize": 10,
    "Description": "",
    "Timeout": 3,
    "MemorySize": 128,
    "LastModified": "2025-01-01T00:00:00.000+0000",
    "Version": "$LATEST",
    "TracingConfig": {"Mode": "PassThrough"},
    "Architectures": ["x86_64"],
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/f"},
}


def problems(body):
    return service_model().output_problems("GetFunctionConfiguration", body)


def test_a_good_configuration_passes():
    assert problems(GOOD_CONFIGURATION) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"Surprise": 1}, "not in the shape"),
        ({"Timeout": "3"}, "expected an integer"),
        ({"Timeout": True}, "expected an integer"),
        ({"State": "Ready"}, "not in the enum"),
        ({"TracingConfig": {"Mode": "passthrough"}}, "not in the enum"),
        ({"Architectures": ["x86_64", "arm64"]}, "above the maximum"),
        ({"FunctionArn": "arn:aws:lambda:us-east-1:0:function:f"}, "does not match the pattern"),
        ({"Description": "x" * 257}, "above the maximum"),
        ({"LoggingConfig": {"LogFormat": "YAML"}}, "not in the enum"),
        ({"Environment": {"Variables": {"A": 1}}}, "expected a string"),
    ],
)
def test_drift_is_flagged(change, expected):
    found = problems({**GOOD_CONFIGURATION, **change})
    assert any(expected in problem for problem in found), found


def test_error_envelope_casing_is_checked():
    model = service_model()
    headers = {"X-Amzn-ErrorType": "ResourceNotFoundException"}
    good = json.dumps({"Type": "User", "Message": "Function not found: x"}).encode()
    wrong_case = json.dumps({"Type": "User", "message": "Function not found: x"}).encode()
    model.check_response("GetFunction", 404, headers, good)
    with pytest.raises(ShapeViolation):
        model.check_response("GetFunction", 404, headers, wrong_case)
    with pytest.raises(ShapeViolation):
        model.check_response("GetFunction", 404, {}, good)
    with pytest.raises(ShapeViolation):
        model.check_response("GetFunction", 400, headers, good)


def test_success_status_is_checked():
    body = json.dumps(GOOD_CONFIGURATION).encode()
    service_model().check_response("CreateFunction", 201, {}, body)
    with pytest.raises(ShapeViolation):
        service_model().check_response("CreateFunction", 200, {}, body)
