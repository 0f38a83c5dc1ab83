# SPDX-License-Identifier: Apache-2.0
"""The sandbox (issue 7): a function gets the memory, CPU, processes and /tmp its configuration
says and cannot see anything that is not its own; what it breaks, it breaks alone.

- memory: allocating past MemorySize is Runtime.OutOfMemory (facts §3.5) and the next invoke
  runs on a fresh environment;
- CPU: the same CPU-bound handler at 128 MB runs much slower than at 1769 MB (one vCPU): a
  benchmark-style ratio with a generous bound (the memory ratio is 13.8);
- pids: a fork loop stops at the pids limit while the server keeps answering;
- isolation: code read-only at /var/task, uid 993, and neither another function's code or /tmp
  nor the data dir or database is reachable;
- /tmp: writes beyond EphemeralStorage fail with ENOSPC;
- lifecycle: after kill -9 of the server no function process is left, and the next server on
  the same data dir removes the dead server's cgroups.
A mechanism the host does not offer (GET /health lists it as unenforced) skips its test.
"""

import hashlib
import json
import os
import pathlib
import re
import signal
import time
import uuid

import pytest

from invoke_support import (SERVER_ARGS, deploy, invoke, invoke_ok, provided_zip, python_zip,
                            unhandled_error)
from support import server as server_module

REPORT_OOM = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\t.*\tMax Memory Used: (?P<used>\d+) MB\t"
    r"(Init Duration: [\d.]+ ms\t)?Status: error\tErrorType: Runtime\.OutOfMemory\t$",
    re.MULTILINE,
)


def require(sandbox, *mechanisms):
    missing = [name for name in mechanisms if name not in sandbox["enforced"]]
    if missing:
        pytest.skip(f"not enforced on this host: {', '.join(missing)}")


COUNTER = """
import uuid

count = 0
RUNTIME = uuid.uuid4().hex

def handler(event, context):
    global count
    count += 1
    if event.get("allocate_mb"):
        hog = b"x" * (event["allocate_mb"] << 20)  # written, so really resident
        return len(hog)
    return {"count": count, "runtime": RUNTIME}
"""


def test_out_of_memory_fails_the_invoke_and_the_next_runs_on_a_fresh_environment(
        lambda_client, sandbox):
    require(sandbox, "memory")
    name = deploy(lambda_client, python_zip(COUNTER), prefix="oom", MemorySize=128, Timeout=30)
    warm = invoke_ok(lambda_client, name, {})
    assert warm["count"] == 1

    result = invoke(lambda_client, name, {"allocate_mb": 200}, LogType="Tail")
    # AWS (facts §3.5): the OOM kill is reported as Runtime.OutOfMemory.
    assert unhandled_error(result) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
                        "signal: killed",
    }
    report = REPORT_OOM.search(result.log)
    assert report, result.log
    assert report["id"] == result.request_id
    assert int(report["used"]) <= 128 + 1, "the limit is MemorySize"

    fresh = invoke_ok(lambda_client, name, {})
    assert fresh["count"] == 1, "the environment should have been replaced"
    assert fresh["runtime"] != warm["runtime"]


CPU_BOUND = """
import time

def handler(event, context):
    started = time.monotonic()
    total = 0
    for i in range(event["loops"]):
        total += i * i
    return time.monotonic() - started
"""


def test_cpu_share_follows_memory(lambda_client, sandbox):
    require(sandbox, "cpu")
    small = deploy(lambda_client, python_zip(CPU_BOUND), prefix="cpu-128", MemorySize=128,
                   Timeout=30)
    vcpu = deploy(lambda_client, python_zip(CPU_BOUND), prefix="cpu-1769", MemorySize=1769,
                  Timeout=30)
    # About 0.1 s of CPU: a full vCPU takes about that long, 128 MB (7.2 % of one) ~14 times as
    # long. Warm both first so only the handler is measured.
    loops = {"loops": 1_500_000}
    invoke_ok(lambda_client, small, {"loops": 1})
    invoke_ok(lambda_client, vcpu, {"loops": 1})
    fast = min(invoke_ok(lambda_client, vcpu, loops) for _ in range(2))
    slow = invoke_ok(lambda_client, small, loops)
    # A generous bound: other work on a shared host slows the fast run, never the quota.
    assert slow >= 3 * fast, f"128 MB took {slow:.3f} s, 1769 MB {fast:.3f} s"


# Starts processes without end (posix_spawn: a vfork, so each costs little CPU); the limit, not
# the loop, must stop it.
FORK_LOOP = """
import errno
import os

def handler(event, context):
    children = 0
    error = None
    try:
        for _ in range(5000):
            os.posix_spawn("/bin/sleep", ["sleep", "60"], {})
            children += 1
    except OSError as e:
        error = errno.errorcode.get(e.errno, str(e.errno))
    return {"children": children, "error": error}
"""


def test_fork_loop_stops_at_the_pids_limit_and_the_server_stays_responsive(
        server, lambda_client, sandbox):
    require(sandbox, "pids")
    bomb = deploy(lambda_client, python_zip(FORK_LOOP), prefix="forks", MemorySize=1024,
                  Timeout=60)
    bystander = deploy(lambda_client, python_zip(COUNTER), prefix="bystander")
    result = invoke_ok(lambda_client, bomb, {})
    # AWS: 1024 processes and threads per environment, the runtime's own among them.
    assert result["error"] == "EAGAIN", result
    assert 900 < result["children"] < 1024, result
    # The environment is still full of sleeping children: others are not affected.
    assert invoke_ok(lambda_client, bystander, {})["count"] == 1
    assert server.sandbox()["isolation"] in ("namespace", "process")


PROBE = """
import os
import pathlib

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as error:
        return error.__class__.__name__

def handler(event, context):
    pathlib.Path("/tmp/mine").write_text(event.get("secret", ""))
    return {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "cwd": os.getcwd(),
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "tmp": sorted(os.listdir("/tmp")),
        "root": sorted(os.listdir("/")),
        "write_code": attempt(lambda: pathlib.Path("/var/task/new.txt").write_text("x")),
        "reads": {path: attempt(lambda: open(path, "rb").read(1)) for path in event["paths"]},
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "nofile": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE),
    }
"""


def test_a_function_sees_only_its_own_code_and_tmp(server, lambda_client, sandbox):
    require(sandbox, "isolation")
    secret = uuid.uuid4().hex
    other_zip = python_zip(PROBE, extra_files={"secret.txt": secret})
    other = deploy(lambda_client, other_zip, prefix="victim")
    probe = deploy(lambda_client, python_zip(PROBE), prefix="probe")
    invoke_ok(lambda_client, other, {"paths": [], "secret": secret})  # a /tmp of its own

    data_dir = os.path.realpath(server.data_dir)
    other_code = f"{data_dir}/code/{hashlib.sha256(other_zip).hexdigest()}"
    # The other function's /tmp on the host (in the server's mount namespace).
    server_root = server.seen_by_server("/")
    other_tmp_files = [f"/{path.relative_to(server_root)}"
                       for path in server.seen_by_server(data_dir).glob("envs/*/tmp/mine")]
    host_paths = [f"{data_dir}/lambdahost.db", f"{other_code}/secret.txt", f"{other_code}.zip",
                  *other_tmp_files]
    seen = invoke_ok(lambda_client, probe, {"paths": host_paths})

    # AWS (facts §3.10): sbx_user1051 (993:990), the code read-only at /var/task, cwd there.
    assert (seen["uid"], seen["gid"]) == (993, 990)
    assert seen["cwd"] == seen["task_root"] == "/var/task"
    assert seen["write_code"] == "OSError", "the code must be read-only"  # EROFS
    assert seen["tmp"] == ["mine"], "/tmp is the function's own"
    assert other_tmp_files, "the other function's /tmp should exist on the host"
    assert set(seen["reads"].values()) == {"FileNotFoundError"}, seen["reads"]
    assert "home" not in seen["root"] and "root" not in seen["root"], seen["root"]
    # Its own pid namespace: the init (1) and the runtime, not the host's processes.
    assert seen["pids"][:2] == [1, 2] and len(seen["pids"]) < 10, seen["pids"]
    assert seen["nofile"] == [1024, 1024]


TMP_FILLER = """
import errno
import os

def handler(event, context):
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open("/tmp/fill", "wb") as out:
            while written < event["limit_mb"] * 2:
                out.write(chunk)
                out.flush()
                written += 1
        return {"written_mb": written, "error": None}
    except OSError as e:
        return {"written_mb": written, "error": errno.errorcode.get(e.errno)}
    finally:
        os.unlink("/tmp/fill")
"""


def test_tmp_beyond_ephemeral_storage_is_enospc(lambda_client, sandbox):
    require(sandbox, "ephemeral-storage")
    # /tmp is memory-backed here: the function needs the memory to fill it.
    name = deploy(lambda_client, python_zip(TMP_FILLER), prefix="tmp-full",
                  EphemeralStorage={"Size": 512}, MemorySize=1024, Timeout=60)
    result = invoke_ok(lambda_client, name, {"limit_mb": 512})
    assert result["error"] == "ENOSPC", result
    assert 500 <= result["written_mb"] <= 512, result


BASH_RUNTIME = r"""
#!/bin/bash
while true; do
  headers="$(mktemp)"
  api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
  curl -sS -D "$headers" -o /dev/null "$api/next"
  id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)
  sleep 300 &  # a grandchild, gone with the environment
  curl -sS -o /dev/null "$api/$id/response" -d '"ok"'
done
"""


def processes_with(marker):
    """Pids of running processes whose environment holds `marker`."""
    found = set()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state not in ("Z", "X"):
                    found.add(int(entry.name))
        except OSError:
            continue
    return found


def cgroup_instances(pid):
    """The server's cgroup directories (<hierarchy>/.../lambdahost/<pid>-<start>)."""
    return [path for path in pathlib.Path("/sys/fs/cgroup").glob("**/lambdahost/*")
            if path.name.startswith(f"{pid}-")]


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_kill_9_leaves_no_function_process_and_the_next_server_cleans_up(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill9")
    first = server_module.Server(base, SERVER_ARGS).start()
    marker = f"SANDBOX_MARK={uuid.uuid4()}"
    variables = {"Environment": {"Variables": dict([marker.split("=")])}}
    try:
        client = first.client()
        python = deploy(client, python_zip(COUNTER), prefix="k9-py", **variables)
        bash = deploy(client, provided_zip(BASH_RUNTIME), runtime="provided.al2023",
                      handler="x.handler", prefix="k9-sh", **variables)
        invoke_ok(client, python, {})
        assert invoke(client, bash, {}).payload == b'"ok"'
        assert len(processes_with(marker)) >= 3, "runtimes and the grandchild"
        enforced = first.sandbox()["enforced"]
        instances = cgroup_instances(first.process.pid)
        assert bool(instances) == any(c in enforced for c in ("memory", "cpu", "pids"))

        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        assert wait_until(lambda: not processes_with(marker)), processes_with(marker)
    finally:
        first.kill()
    # The crashed server's cgroups are left; the next one on the host removes them.
    second = server_module.Server(base, SERVER_ARGS).start()
    try:
        assert not [path for path in instances if path.exists()]
        assert invoke_ok(second.client(), python, {})["count"] == 1
    finally:
        second.stop()


def test_health_says_what_is_enforced(server):
    sandbox = server.sandbox()
    names = {"memory", "cpu", "pids", "ephemeral-storage", "isolation"}
    assert set(sandbox["enforced"]) | set(sandbox["unenforced"]) == names
    assert not set(sandbox["enforced"]) & set(sandbox["unenforced"])
    if os.geteuid() == 0:
        assert sandbox["isolation"] == "namespace"
    assert json.dumps(sandbox)  # plain JSON
