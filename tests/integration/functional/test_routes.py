# SPDX-License-Identifier: Apache-2.0
"""Every operation of the service model is routed: its method and path (as botocore sends it)
reach a handler, which may refuse the request (400/404/409...) or answer 501
NotImplementedException naming the operation, but never UnknownOperationException and never a
5xx crash (facts §2: date prefixes differ per family; two pairs share a path and differ by a
query flag)."""

import re
import uuid

import pytest

from support.oracle import service_model

# Operations newer than Debian's botocore model, from facts §2.1 (AWS's current model).
# Capacity providers and durable executions are out of scope for v1 (facts §2.5).
FN = "/functions/{FunctionName}"
NEWER_OPERATIONS = {
    "GetRuntimeManagementConfig": ("GET", f"/2021-07-20{FN}/runtime-management-config"),
    "PutRuntimeManagementConfig": ("PUT", f"/2021-07-20{FN}/runtime-management-config"),
    "InvokeWithResponseStream": ("POST", f"/2021-11-15{FN}/response-streaming-invocations"),
    "GetFunctionRecursionConfig": ("GET", f"/2024-08-31{FN}/recursion-config"),
    "PutFunctionRecursionConfig": ("PUT", f"/2024-08-31{FN}/recursion-config"),
    "GetFunctionScalingConfig": ("GET", f"/2025-11-30{FN}/function-scaling-config"),
    "PutFunctionScalingConfig": ("PUT", f"/2025-11-30{FN}/function-scaling-config"),
}

# Values for path parameters: names that exist nowhere, in the parameter's own syntax.
DUMMY_PARAMS = {
    "ARN": "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Anofn",
    "Arn": "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Anofn",
    "CodeSigningConfigArn": "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Acode-signing-config"
    "%3Acsc-00000000000000000",
    "UUID": str(uuid.UUID(int=0)),
    "VersionNumber": "1",
}


def all_routes():
    model = service_model()
    routes = {
        name: (operation["http"]["method"], operation["http"]["requestUri"])
        for name, operation in model.operations.items()
    }
    routes.update(NEWER_OPERATIONS)
    return sorted(routes.items())


def fill(template):
    return re.sub(r"\{(\w+)\+?\}", lambda m: DUMMY_PARAMS.get(m.group(1), "nofn"), template)


def assert_routed(server, operation, method, path):
    body = b"{}" if method in ("POST", "PUT") else b""
    known = operation in service_model().operations
    response = server.request(method, path, body, operation=operation if known else None)
    assert response.status < 500 or response.status == 501, (operation, path, response)
    assert response.error_type != "UnknownOperationException", (operation, path, response)
    if response.status == 501:
        assert response.error_type == "NotImplementedException", (operation, response)
        text = response.json().get("message", response.json().get("Message", ""))
        assert re.search(rf"\b{operation}\b", text), (operation, text)
    elif response.status >= 400:
        assert response.error_type, (operation, response)


@pytest.mark.parametrize("operation, method, template", [(n, m, t) for n, (m, t) in all_routes()],
                         ids=[n for n, _ in all_routes()])
def test_operation_is_routed(server, operation, method, template):
    assert_routed(server, operation, method, fill(template))


@pytest.mark.parametrize(
    "operation",
    [n for n, (_, t) in all_routes() if t.split("?")[0].endswith("/")],
)
def test_operation_is_routed_without_trailing_slash(server, operation):
    """botocore's model puts a trailing slash on some paths (ListFunctions, GetAccountSettings,
    ...); other SDKs do not."""
    method, template = dict(all_routes())[operation]
    path, _, query = fill(template).partition("?")
    assert_routed(server, operation, method, path.rstrip("/") + (f"?{query}" if query else ""))


def test_query_flag_selects_the_operation(server):
    """Two pairs of operations share a path and differ only by a query flag."""
    listed = server.request(
        "GET", "/2019-09-30/functions/nofn/provisioned-concurrency?List=ALL",
        operation="ListProvisionedConcurrencyConfigs",
    )
    single = server.request(
        "GET", "/2019-09-30/functions/nofn/provisioned-concurrency?Qualifier=1",
        operation="GetProvisionedConcurrencyConfig",
    )
    for response, name in ((listed, "ListProvisionedConcurrencyConfigs"),
                           (single, "GetProvisionedConcurrencyConfig")):
        if response.status == 501:
            assert name in response.json().get("message", response.json().get("Message", ""))
    layers = server.request("GET", "/2018-10-31/layers", operation="ListLayers")
    by_arn = server.request(
        "GET",
        "/2018-10-31/layers?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000"
        "%3Alayer%3Anolayer%3A1",
        operation="GetLayerVersionByArn",
    )
    for response, name in ((layers, "ListLayers"), (by_arn, "GetLayerVersionByArn")):
        if response.status == 501:
            assert name in response.json().get("message", response.json().get("Message", ""))


def test_health(server):
    response = server.request("GET", "/health", sign=False)
    assert response.status == 200
    body = response.json()
    assert body["status"] == "ok"
    # What the sandbox enforces on this host (issue 7): every limit is listed on one side.
    sandbox = body["sandbox"]
    assert sandbox["isolation"] in ("namespace", "process")
    assert set(sandbox["enforced"]) | set(sandbox["unenforced"]) == {
        "memory", "cpu", "pids", "ephemeral-storage", "isolation"}
