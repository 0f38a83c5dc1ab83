# SPDX-License-Identifier: Apache-2.0
"""AWS's own Node.js runtime interface client (npm aws-lambda-ric) against our Runtime API: a
runtime written for AWS must work unchanged (issue 4 §2).

The client is installed from the committed ric/package.json + package-lock.json with
`npm ci --nodedir=/usr` (its native part builds offline here in about 2.5 minutes) into a cache
outside the repo, keyed by the hash of those two files, so it builds once per lock. The install
is staged in a sibling directory and renamed into place, so an interrupted build never leaves a
half-built cache behind. Without npm the test is skipped, saying why."""

import hashlib
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile

import pytest

from invoke_support import SERVER_ARGS, deploy, invoke, invoke_ok, provided_zip, unhandled_error
from support import server as server_module
from support.clients import function_arn

RIC_DIR = pathlib.Path(__file__).with_name("ric")
RIC_FILES = ("package.json", "package-lock.json")
CACHE_ROOT = (
    pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    / "lambdahost-test"
    / "ric"
)
# The "bin" entry of aws-lambda-ric 4.x's package.json.
RIC_ENTRY = pathlib.Path("node_modules/aws-lambda-ric/index.mjs")
NPM_TIMEOUT = 540  # below CTest's 600 s per file, so a stuck build fails with npm's output

APP = """
let count = 0;

export const handler = async (event, context) => {
  count += 1;
  if (event.fail) {
    throw new SyntaxError("ric handler fails");
  }
  return {
    event,
    count,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    awsRequestId: context.awsRequestId,
  };
};
"""


def run_npm_ci(npm, directory):
    """(exit code, output) of `npm ci` in `directory`; on timeout its whole process group
    (node-gyp, make, the compilers) is killed, not only npm."""
    process = subprocess.Popen(
        [npm, "ci", "--nodedir=/usr", "--no-audit", "--no-fund"],
        cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return f"timeout after {NPM_TIMEOUT} s", output
    return process.returncode, output


def install_ric():
    """Returns the path of the installed client's entry script, installing it on a cache
    miss."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so AWS's aws-lambda-ric cannot be built "
                    "(apt-get install npm to run this test)")
    digest = hashlib.sha256()
    for name in RIC_FILES:
        digest.update((RIC_DIR / name).read_bytes())
    target = CACHE_ROOT / digest.hexdigest()[:16]
    if (target / RIC_ENTRY).is_file():
        return target / RIC_ENTRY

    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f"{target.name}.staging.", dir=CACHE_ROOT))
    try:
        for name in RIC_FILES:
            shutil.copy(RIC_DIR / name, staging / name)
        code, output = run_npm_ci(npm, staging)
        assert code == 0, f"npm ci of aws-lambda-ric failed ({code}):\n{output[-6000:]}"
        assert (staging / RIC_ENTRY).is_file(), f"npm ci left no {RIC_ENTRY}"
        try:
            staging.rename(target)
        except OSError:  # a concurrent run installed the same lock first
            assert (target / RIC_ENTRY).is_file()
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target / RIC_ENTRY


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The client stays in a cache outside the package, which a namespace sandbox hides (as on
    AWS, where a runtime sees only /var/task and /opt): this module's functions run with
    `--isolation process`."""
    started = server_module.Server(
        tmp_path_factory.mktemp("lambdahost"), (*SERVER_ARGS, "--isolation", "process")
    ).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def ric_entry():
    return install_ric()


def test_node_function_under_aws_lambda_ric(lambda_client, ric_entry):
    bootstrap = f"""
    #!/bin/sh
    exec /usr/bin/node {ric_entry} "$_HANDLER"
    """
    name = deploy(lambda_client, provided_zip(bootstrap, {"app.mjs": APP}),
                  runtime="provided.al2023", handler="app.handler", prefix="ric", Timeout=10)

    first = invoke(lambda_client, name, {"via": "aws-lambda-ric"})
    assert (first.status, first.function_error, first.executed_version) == (200, "", "$LATEST")
    assert first.json() == {
        "event": {"via": "aws-lambda-ric"},
        "count": 1,
        "functionName": name,
        "memoryLimitInMB": "128",
        "invokedFunctionArn": function_arn(name),
        "awsRequestId": first.request_id,
    }
    # The client parks on GET /next again after each response and after each error (warm).
    assert invoke_ok(lambda_client, name, {})["count"] == 2
    failed = invoke(lambda_client, name, {"fail": True})
    error = unhandled_error(failed)
    assert error["errorType"] == "SyntaxError"
    assert "ric handler fails" in error["errorMessage"]
    assert invoke_ok(lambda_client, name, {})["count"] == 4
