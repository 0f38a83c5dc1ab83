# SPDX-License-Identifier: Apache-2.0
"""A response above 6291556 bytes (facts §3.5): the caller gets Function.ResponseSizeTooLarge,
the runtime gets a 413 it can read, and the same runtime process then serves the next
invocation normally (its module-level counter goes on), for python, node and a curl-based
`provided` bootstrap."""

import pytest

from invoke_support import (
    RESPONSE_TOO_LARGE,
    deploy,
    invoke,
    invoke_ok,
    node_zip,
    provided_zip,
    python_zip,
)

BIG = 7 * 1024 * 1024

PYTHON = f"""
    count = 0

    def handler(event, context):
        global count
        count += 1
        return "x" * {BIG} if event.get("big") else {{"count": count}}
"""

NODE = f"""
    let count = 0;
    exports.handler = async (event) => {{
        count += 1;
        return event.big ? 'x'.repeat({BIG}) : {{ count }};
    }};
"""

# The custom-runtime tutorial's loop, recording the HTTP status of each POST.
BOOTSTRAP = f"""
    #!/bin/bash
    set -euo pipefail
    api="http://${{AWS_LAMBDA_RUNTIME_API}}/2018-06-01/runtime"
    count=0
    status=none
    big="$TMPDIR/big.json"
    head -c {BIG} /dev/zero | tr '\\0' x | sed 's/.*/"&"/' > "$big"
    while true; do
        headers="$(mktemp)"
        event="$(curl -sS -D "$headers" "$api/invocation/next")"
        id="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
        count=$((count + 1))
        if [[ "$event" == *true* ]]; then
            body="@$big"
        else
            body="{{\\"count\\": $count, \\"last_status\\": \\"$status\\"}}"
        fi
        status="$(curl -sS -o /dev/null -w '%{{http_code}}' -X POST \\
            --data-binary "$body" "$api/invocation/$id/response")"
    done
"""


@pytest.mark.parametrize("runtime, package, handler", [
    ("python3.12", lambda: python_zip(PYTHON), "lambda_function.handler"),
    ("nodejs20.x", lambda: node_zip(NODE), "index.handler"),
    ("provided.al2023", lambda: provided_zip(BOOTSTRAP), "unused.handler"),
], ids=["python", "node", "provided"])
def test_oversize_response_then_the_runtime_serves_the_next_invocation(lambda_client, runtime,
                                                                       package, handler):
    name = deploy(lambda_client, package(), runtime=runtime, handler=handler, Timeout=30)
    over = invoke(lambda_client, name, {"big": True})
    assert (over.status, over.function_error) == (200, "Unhandled")
    assert over.json() == RESPONSE_TOO_LARGE
    after = invoke_ok(lambda_client, name, {"big": False})
    assert after["count"] == 2  # the same process: it read the 413 and asked for more
    if runtime.startswith("provided"):
        assert after["last_status"] == "413"
