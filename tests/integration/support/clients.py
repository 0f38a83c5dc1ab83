# SPDX-License-Identifier: Apache-2.0
"""The three ways tests talk to a server: boto3, aws-cli v2 and raw (optionally SigV4-signed)
HTTP. Every path runs its responses through the service-model oracle.

The server takes the region from the SigV4 credential scope and the account from a 12-digit
access key id (000000000000 otherwise); it never verifies signatures, so dummy secrets do.
Nothing here reads the user's AWS configuration: the config and credential files point to paths
that do not exist.
"""

import http.client
import json
import os
import subprocess
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

from support.oracle import service_model

DUMMY_ACCESS_KEY = "AKIDLAMBDAHOSTTESTS"
DUMMY_SECRET_KEY = "lambdahost-dummy-secret"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
AWS_CLI = "/usr/bin/aws"
HTTP_TIMEOUT = 60

# Keep this process (boto3) away from any real AWS configuration.
ISOLATED_ENV = {
    "AWS_CONFIG_FILE": "/nonexistent/lambdahost-tests/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/lambdahost-tests/credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
os.environ.update(ISOLATED_ENV)
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)


def account_of(access_key):
    return access_key if access_key.isdigit() and len(access_key) == 12 else DEFAULT_ACCOUNT


def function_arn(name, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT):
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def boto_client(endpoint, region=DEFAULT_REGION, access_key=DUMMY_ACCESS_KEY, validate=True):
    """A boto3 Lambda client for `endpoint` with retries off; `validate=False` turns off
    botocore's client-side parameter validation (to reach the server's own)."""
    session = boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        region_name=region,
    )
    config = botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=5,
        read_timeout=HTTP_TIMEOUT,
        parameter_validation=validate,
    )
    client = session.client("lambda", endpoint_url=endpoint, config=config)
    client.meta.events.register("after-call.lambda", service_model().boto_after_call)
    return client


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive get()
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def error_type(self):
        return self.headers.get("X-Amzn-ErrorType")

    def __repr__(self):
        return f"<{self.status} {self.error_type or ''} {self.body[:300]!r}>"


def raw_request(
    endpoint,
    method,
    path,
    body=b"",
    headers=None,
    region=DEFAULT_REGION,
    access_key=DUMMY_ACCESS_KEY,
    sign=True,
    operation=None,
):
    """Sends `method path` (path already URL-encoded, query included) as given. When
    `operation` names a service-2.json operation, the response is checked by the oracle."""
    if isinstance(body, str):
        body = body.encode()
    headers = dict(headers or {})
    if body and not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = "application/json"
    if sign:
        request = botocore.awsrequest.AWSRequest(
            method=method, url=endpoint + path, data=body, headers=headers
        )
        credentials = botocore.credentials.Credentials(access_key, DUMMY_SECRET_KEY)
        botocore.auth.SigV4Auth(credentials, "lambda", region).add_auth(request)
        headers = dict(request.headers.items())
    parsed = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=HTTP_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = RawResponse(response.status, response.headers, response.read())
    finally:
        connection.close()
    if operation is not None:
        service_model().check_response(operation, result.status, result.headers, result.body)
    return result


def quote_path_param(value):
    """URL-encodes one path segment the way the SDKs do (':' becomes %3A)."""
    return urllib.parse.quote(value, safe="")


class AwsCli:
    """Runs /usr/bin/aws against one endpoint; calling it returns (exit code, parsed stdout JSON
    or None, stderr). Successful outputs are checked against the command's output shape."""

    def __init__(self, endpoint, scratch_dir):
        self.endpoint = endpoint
        self.scratch_dir = scratch_dir  # HOME for the CLI, so it never finds ~/.aws

    def __call__(self, *args, region=DEFAULT_REGION, access_key=DUMMY_ACCESS_KEY, check=False):
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.scratch_dir),
            "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            **ISOLATED_ENV,
        }
        command = [
            AWS_CLI,
            "--endpoint-url",
            self.endpoint,
            "--region",
            region,
            "--output",
            "json",
            *[str(arg) for arg in args],
        ]
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        output = json.loads(completed.stdout) if completed.stdout.strip() else None
        if check:
            assert completed.returncode == 0, (command, completed.returncode, completed.stderr)
        if completed.returncode == 0:
            self._check_output(args[0], output)
        return completed.returncode, output, completed.stderr

    @staticmethod
    def _check_output(command, output):
        model = service_model()
        operation = model.operation_for_cli_command(command)
        if operation is None:
            return
        if isinstance(output, dict):
            # The CLI's own pagination token (--max-items) is not part of the service's shape.
            output = {key: value for key, value in output.items() if key != "NextToken"}
        problems = model.output_problems(operation, output)
        assert not problems, f"aws {command} output violates {operation}'s shape: {problems}"
