# SPDX-License-Identifier: Apache-2.0
"""provided.al2023 functions: the server runs the package's own `bootstrap`, which speaks the
Runtime API itself. The bootstrap here is the shape of AWS's custom-runtime tutorial (bash and
curl: GET next, read Lambda-Runtime-Aws-Request-Id, POST the response), so a runtime written
for AWS works unchanged; a bootstrap that exits gets Runtime.ExitError."""

from invoke_support import deploy, invoke, invoke_ok, provided_zip, unhandled_error

RUNTIME = "provided.al2023"

# AWS's tutorial bootstrap (docs "Building a custom runtime"); #!/bin/bash because Debian's sh
# is dash, which has neither `source` nor pipefail.
TUTORIAL_BOOTSTRAP = r"""
#!/bin/bash
set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl -sS "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
"""

# The tutorial's function.sh, answering JSON with the bootstrap's pid ($$ survives the
# command substitution) so warm reuse is visible.
FUNCTION_SH = r"""
function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="{\"pid\": $$, \"event\": $EVENT_DATA}"

  echo $RESPONSE
}
"""


def test_bash_curl_bootstrap_from_the_aws_tutorial(lambda_client):
    name = deploy(
        lambda_client,
        provided_zip(TUTORIAL_BOOTSTRAP, {"function.sh": FUNCTION_SH}),
        runtime=RUNTIME,
        handler="function.handler",
        prefix="provided-bash",
    )
    first = invoke(lambda_client, name, {"greeting": "hi"}, LogType="Tail")
    assert (first.status, first.function_error, first.executed_version) == (200, "", "$LATEST")
    body = first.json()
    assert body["event"] == {"greeting": "hi"}
    # The handler's stderr is in the function's log.
    assert '{"greeting": "hi"}' in first.log, first.log
    assert f"END RequestId: {first.request_id}" in first.log

    # The loop serves the next event in the same process (warm).
    second = invoke_ok(lambda_client, name, {"n": 2})
    assert second == {"pid": body["pid"], "event": {"n": 2}}


def test_bootstrap_exiting_is_runtime_exit_error(lambda_client):
    bootstrap = """
    #!/bin/sh
    echo "bootstrap gives up" >&2
    exit 3
    """
    name = deploy(lambda_client, provided_zip(bootstrap), runtime=RUNTIME,
                  handler="unused.handler", prefix="provided-exit")
    result = invoke(lambda_client, name, {})
    assert unhandled_error(result) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
                        "exit status 3",
    }
