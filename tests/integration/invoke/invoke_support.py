# SPDX-License-Identifier: Apache-2.0
"""Helpers the invoke tests share: the server flags that point at this checkout's runtimes,
packages for each runtime, create-and-wait, and Invoke through boto3 or aws-cli reduced to
one `Invocation` value (status, headers that matter, payload, decoded tail log).

Deployment packages are built in memory (support.zips); function sources are written here as
plain text so each test reads like the handler it deploys.
"""

import base64
import json
import pathlib
import re
import textwrap
from dataclasses import dataclass

from support import zips
from support.functions import ROLE, unique_name, wait_active

REPO_DIR = pathlib.Path(__file__).resolve().parents[3]
RUNTIMES_DIR = REPO_DIR / "runtimes"
SERVER_ARGS = ("--runtimes-dir", str(RUNTIMES_DIR))

# AWS limits (facts §3.5).
MAX_REQUEST_BYTES = 6291456
MAX_RESPONSE_BYTES = 6291556
RESPONSE_TOO_LARGE = {
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}

# REPORT line (facts §3.5): tab-separated, trailing tab, Init Duration on a cold start only.
REPORT_LINE = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d\d ms\t"
    r"Billed Duration: \d+ ms\tMemory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB\t"
    r"(?P<init>Init Duration: \d+\.\d\d ms\t)?$",
    re.MULTILINE,
)
LOG_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")


def dedent(source):
    return textwrap.dedent(source).lstrip("\n")


def python_zip(source, file_name="lambda_function.py", extra_files=None):
    return zips.package_zip({file_name: dedent(source), **(extra_files or {})})


def node_zip(source, file_name="index.js"):
    return zips.package_zip({file_name: dedent(source)})


def provided_zip(bootstrap, extra_files=None):
    """A custom-runtime package: `bootstrap` executable (0755), plus plain files."""
    files = {"bootstrap": (dedent(bootstrap), 0o755)}
    files.update({name: dedent(text) for name, text in (extra_files or {}).items()})
    return zips.package_zip(files)


def deploy(client, zip_bytes, runtime="python3.12", handler="lambda_function.handler",
           prefix="fn", **overrides):
    """CreateFunction with `zip_bytes`, waits for Active (function_active_v2); returns the
    name."""
    name = unique_name(prefix)
    client.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler=handler,
        Code={"ZipFile": zip_bytes},
        **overrides,
    )
    wait_active(client, name)
    return name


@dataclass
class Invocation:
    status: int
    request_id: str
    executed_version: str
    function_error: str  # "" when the function succeeded
    payload: bytes
    log: str  # decoded X-Amz-Log-Result, "" when not asked for

    def json(self):
        return json.loads(self.payload)


def invoke(client, name, payload=None, **params):
    """boto3 Invoke; `payload` (any JSON value, or bytes sent as they are) is optional so an
    empty request can be sent. Raises botocore's ClientError on an error status."""
    if payload is not None:
        params["Payload"] = payload if isinstance(payload, bytes) else json.dumps(payload)
    response = client.invoke(FunctionName=name, **params)
    log = response.get("LogResult")
    return Invocation(
        status=response["StatusCode"],
        request_id=response["ResponseMetadata"]["RequestId"],
        executed_version=response.get("ExecutedVersion", ""),
        function_error=response.get("FunctionError", ""),
        payload=response["Payload"].read(),
        log=base64.b64decode(log).decode(errors="replace") if log else "",
    )


def invoke_ok(client, name, payload=None, **params):
    """Invoke that must succeed (200, no function error); returns the parsed result."""
    result = invoke(client, name, payload, **params)
    assert (result.status, result.function_error) == (200, ""), result
    return result.json()


def cli_invoke(aws, name, payload, out_dir, *args):
    """aws lambda invoke (raw JSON payload); returns (cli output JSON, response body bytes)."""
    out_file = pathlib.Path(out_dir) / f"{unique_name('out')}.json"
    _, output, _ = aws(
        "lambda", "invoke", "--function-name", name,
        "--cli-binary-format", "raw-in-base64-out",
        "--payload", json.dumps(payload), *args, str(out_file),
        check=True,
    )
    return output, out_file.read_bytes()


def unhandled_error(result):
    """The error JSON of an invocation that must have failed in the function (facts §3.5)."""
    assert (result.status, result.function_error) == (200, "Unhandled"), result
    return result.json()
