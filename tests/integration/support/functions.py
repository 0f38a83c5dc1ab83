# SPDX-License-Identifier: Apache-2.0
"""Small helpers every test file uses to create functions and wait for their states."""

import base64
import hashlib
import random
import re
import uuid

from support import zips

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RUNTIME = "python3.12"

LAST_MODIFIED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Quick polling for tests that only need a state to settle; the tests *about* waiters use the
# SDK's own waiter configuration.
QUICK_WAIT = {"Delay": 0.1, "MaxAttempts": 300}


def unique_name(prefix="fn"):
    """A fresh function name (≤ 64 chars, [a-zA-Z0-9-_])."""
    prefix = re.sub(r"[^a-zA-Z0-9-_]", "-", prefix)[:40]
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def fresh_account():
    """A random 12-digit access key id: the server scopes it to an account of its own, so
    counts and listings in it see only what the test created."""
    return str(random.SystemRandom().randrange(10**11, 10**12))


def code_sha256(zip_bytes):
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def create_function(client, name, zip_bytes=None, wait=False, **overrides):
    """CreateFunction with the required parameters (python3.12, ROLE, the test handler) plus
    `overrides`; returns the response. `wait=True` also waits until the function is Active."""
    params = {
        "FunctionName": name,
        "Runtime": RUNTIME,
        "Role": ROLE,
        "Handler": zips.HANDLER,
        "Code": {"ZipFile": zip_bytes if zip_bytes is not None else zips.python_handler_zip(name)},
    }
    params.update(overrides)
    response = client.create_function(**params)
    if wait:
        wait_active(client, name)
    return response


def wait_active(client, name):
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=QUICK_WAIT)


def wait_updated(client, name):
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=QUICK_WAIT)


def error_of(excinfo):
    """(HTTP status, code, message) of a botocore ClientError."""
    response = excinfo.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )
