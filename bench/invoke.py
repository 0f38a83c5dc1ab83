# SPDX-License-Identifier: Apache-2.0
"""Invoke benchmarks, each figure beside a baseline measured in the same run:

  --warm     warm Invoke of examples/cpp-echo (provided.al2023 on runtimes/cpp) with wrk at 1
             and 16 keep-alive connections, beside bench/echo_floor (a bare Beast echo server,
             the loopback floor). Targets (#4): p50 at 1 connection <= 2x floor, req/s at 16
             connections >= 35 % of floor.
  --cold     first Invoke of a new environment (UpdateFunctionConfiguration with a new variable
             each round) for python3.12, nodejs20.x and provided.al2023, beside a bare start of
             the interpreter / the bootstrap binary.
  --offline  the Node hello handler (examples/hello-node/cjs) on lambdahost and on
             serverless-offline 13 (bench/serverless_offline, npm ci'd into
             ~/.cache/lambdahost-bench/serverless-offline), wrk at 1 connection. Target >= 10x.
  --all      all three (the default).

Prints one markdown table per benchmark (the format of docs/performance.md).

Usage: /usr/bin/python3 bench/invoke.py [--all|--warm|--cold|--offline] [--build DIR]
           [--duration SECONDS] [--repeat N] [--rounds N] [--server-args "FLAGS"]
Needs: <build>/lambdahost, <build>/bench/echo_floor and <build>/examples/cpp-echo/bootstrap
(cmake --build <build> --target lambdahost echo_floor cpp_echo_bootstrap), wrk, node, npm.
"""
import argparse
import base64
import concurrent.futures
import contextlib
import hashlib
import http.client
import io
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

REPO = pathlib.Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
LUA_SCRIPT = BENCH / "invoke.lua"
OFFLINE_SOURCE = BENCH / "serverless_offline"
OFFLINE_CACHE = pathlib.Path.home() / ".cache/lambdahost-bench/serverless-offline"
# <service>-<stage>-<function key> of bench/serverless_offline/serverless.yml.
OFFLINE_FUNCTION = "lambdahost-bench-dev-hello"
HELLO_NODE = REPO / "examples/hello-node/cjs/index.js"
HELLO_PYTHON = REPO / "examples/hello-python/lambda_function.py"
ROLE = "arn:aws:iam::000000000000:role/lambda"
EVENT = b'{"name":"bench"}'
# AWS gives a function CPU in proportion to its memory, one vCPU per 1769 MB, and lambdahost
# enforces it with cpu.max. 3538 MB = two vCPUs, this whole machine: the quota never binds, so
# the benchmarks measure the invoke path, not the default 128 MB function's 7 % of a CPU.
MEMORY_MB = 3538
WARM_CONNECTIONS = 16
WARMUP_SECONDS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------


@contextlib.contextmanager
def process(command, ready, log_path, **popen_args):
    """Runs `command` in its own process group; `ready(process)` waits until it serves and
    returns what the caller needs (e.g. its port). The whole group is killed on exit."""
    with open(log_path, "wb") as log_file:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=log_file, start_new_session=True, **popen_args)
    try:
        yield ready(child)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        child.stdout.close()


def port_from_first_line(child):
    line = child.stdout.readline().decode()
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not found:
        raise RuntimeError(f"unexpected first line from {child.args[0]}: {line!r}")
    return int(found.group(1))


# Extra `lambdahost serve` flags for every server the benchmarks start (--server-args).
SERVER_ARGS = []


def lambdahost(build, work_dir, *extra_args):
    data_dir = tempfile.mkdtemp(prefix="data-", dir=work_dir)
    command = [str(build / "lambdahost"), "serve", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", data_dir, "--runtimes-dir", str(REPO / "runtimes"),
               "--log-level", "warn", *SERVER_ARGS, *extra_args]
    return process(command, port_from_first_line, pathlib.Path(work_dir) / "lambdahost.log")


def echo_floor(build, work_dir):
    return process([str(build / "bench/echo_floor")], port_from_first_line,
                   pathlib.Path(work_dir) / "echo_floor.log")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the Lambda API over one keep-alive connection ----------------------------------------


class Lambda:
    """Just the Lambda calls the benchmarks need, without SigV4 (lambdahost takes the default
    scope then; serverless-offline ignores it)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=b"", headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.headers, response.read()

    def checked(self, expected, method, path, body):
        status, _, payload = self.call(method, path, json.dumps(body).encode())
        if status != expected:
            raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload)

    def create_function(self, name, runtime, handler, zip_bytes):
        self.checked(201, "POST", "/2015-03-31/functions", {
            "FunctionName": name, "Runtime": runtime, "Handler": handler, "Role": ROLE,
            "MemorySize": MEMORY_MB, "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}})
        self.wait_ready(name)

    def set_variables(self, name, variables):
        self.checked(200, "PUT", f"/2015-03-31/functions/{name}/configuration",
                     {"Environment": {"Variables": variables}})
        self.wait_ready(name)

    def wait_ready(self, name):
        for _ in range(600):
            config = self.checked(200, "GET", f"/2015-03-31/functions/{name}/configuration", None)
            if config["State"] == "Active" and config.get("LastUpdateStatus", "Successful") == \
                    "Successful":
                return
            time.sleep(0.01)
        raise RuntimeError(f"{name} did not become Active/Successful")

    def invoke(self, name, payload=EVENT, tail=False):
        """(seconds from request to full response, decoded tail log)."""
        headers = {"Content-Type": "application/json"}
        if tail:
            headers["X-Amz-Log-Type"] = "Tail"
        start = time.perf_counter()
        status, response_headers, body = self.call(
            "POST", f"/2015-03-31/functions/{name}/invocations", payload, headers)
        elapsed = time.perf_counter() - start
        if status != 200 or response_headers.get("X-Amz-Function-Error"):
            raise RuntimeError(f"invoke {name}: {status} {body[:300]!r}")
        tail_log = response_headers.get("X-Amz-Log-Result")
        return elapsed, base64.b64decode(tail_log).decode() if tail_log else ""


def warm_up(port, name, connections, invokes_each=20):
    """`connections` clients invoking at once, so that as many environments exist and are warm
    (lambdahost starts one per concurrent invoke that finds none idle)."""
    def client(_):
        api = Lambda(port)
        for _ in range(invokes_each):
            api.invoke(name)
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        list(pool.map(client, range(connections)))


def package(files):
    """A zip in memory; a value of (text, mode) sets the file mode (executables)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def cpp_echo_zip(build):
    return package({"bootstrap": ((build / "examples/cpp-echo/bootstrap").read_bytes(), 0o755)})


def node_hello_zip():
    return package({"index.js": HELLO_NODE.read_bytes()})


def python_hello_zip():
    return package({"lambda_function.py": HELLO_PYTHON.read_bytes()})


# --- wrk --------------------------------------------------------------------------------


def wrk(url, connections, duration):
    """wrk -t1 -c<connections> with bench/invoke.lua: {requests, rps, p50_us, p99_us, errors}."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
               str(LUA_SCRIPT), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env={**os.environ, "BENCH_BODY": EVENT.decode()}).stdout
    found = re.search(r"^BENCH (\{.*\})$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no BENCH line from wrk:\n{output}")
    result = json.loads(found.group(1))
    if result["errors"]:
        raise RuntimeError(f"wrk saw {result['errors']} errors against {url}:\n{output}")
    return result


def compare(ours, theirs, connections, duration, repeat):
    """wrk against the URLs `ours` and `theirs` in turn, `repeat` times each after one discarded
    warm-up run each (caches, environments, the JIT); returns the median rps, p50_us and p99_us
    of each side. On this kind of machine (a 2-core virtual machine) one run of the same server
    can differ from the next by a third; taking turns spreads drift in the machine's load over
    both sides, and the median drops the outliers."""
    for url in (ours, theirs):
        wrk(url, connections, WARMUP_SECONDS)
    runs = {ours: [], theirs: []}
    for _ in range(repeat):
        for url, results in runs.items():
            result = wrk(url, connections, duration)
            log(f"  {url} c{connections}: {result}")
            results.append(result)
    return tuple({key: statistics.median(result[key] for result in runs[url])
                  for key in ("rps", "p50_us", "p99_us")} for url in (ours, theirs))


def invoke_url(port, name):
    return f"http://127.0.0.1:{port}/2015-03-31/functions/{name}/invocations"


def ms(microseconds):
    return f"{microseconds / 1000:.3f} ms"


# --- benchmarks -------------------------------------------------------------------------


def bench_warm(build, work_dir, duration, repeat):
    log("warm: cpp-echo on lambdahost vs echo_floor")
    results = {}
    with lambdahost(build, work_dir) as lh_port, echo_floor(build, work_dir) as floor_port:
        api = Lambda(lh_port)
        api.create_function("cpp-echo", "provided.al2023", "bootstrap", cpp_echo_zip(build))
        warm_up(lh_port, "cpp-echo", WARM_CONNECTIONS)
        for connections in (1, WARM_CONNECTIONS):
            results[connections] = compare(invoke_url(lh_port, "cpp-echo"),
                                           f"http://127.0.0.1:{floor_port}/", connections,
                                           duration, repeat)
    one_lh, one_floor = results[1]
    many_lh, many_floor = results[WARM_CONNECTIONS]
    rows = [
        ("p50, 1 connection", ms(one_lh["p50_us"]), ms(one_floor["p50_us"]),
         f"{one_lh['p50_us'] / one_floor['p50_us']:.2f}x", "<= 2x"),
        ("p99, 1 connection", ms(one_lh["p99_us"]), ms(one_floor["p99_us"]),
         f"{one_lh['p99_us'] / one_floor['p99_us']:.2f}x", ""),
        ("req/s, 1 connection", f"{one_lh['rps']:.0f}", f"{one_floor['rps']:.0f}",
         f"{100 * one_lh['rps'] / one_floor['rps']:.0f} %", ""),
        (f"p50, {WARM_CONNECTIONS} connections", ms(many_lh["p50_us"]), ms(many_floor["p50_us"]),
         f"{many_lh['p50_us'] / many_floor['p50_us']:.2f}x", ""),
        (f"p99, {WARM_CONNECTIONS} connections", ms(many_lh["p99_us"]), ms(many_floor["p99_us"]),
         f"{many_lh['p99_us'] / many_floor['p99_us']:.2f}x", ""),
        (f"req/s, {WARM_CONNECTIONS} connections", f"{many_lh['rps']:.0f}",
         f"{many_floor['rps']:.0f}", f"{100 * many_lh['rps'] / many_floor['rps']:.0f} %",
         ">= 35 %"),
    ]
    return table(f"Warm invoke: cpp-echo (provided.al2023) vs bare Beast echo, wrk -t1, "
                 f"medians of {repeat} alternating {duration} s runs",
                 ("Measure", "lambdahost Invoke", "floor: echo_floor", "lambdahost / floor",
                  "target"), rows)


def spawn_seconds(command, env=None):
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_cold(build, work_dir, rounds):
    log(f"cold: {rounds} rounds per runtime")
    bootstrap = str(build / "examples/cpp-echo/bootstrap")
    # Nothing listens on port 1: the bootstrap's first connect is refused and run_handler
    # returns, so this is exec + dynamic linking + runtime start + exit, the bootstrap's share of
    # a cold start without the server.
    refused = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1"}
    functions = [
        ("python3.12", "hello-python", "lambda_function.lambda_handler", python_hello_zip(),
         "`/usr/bin/python3 -c pass`", ["/usr/bin/python3", "-c", "pass"], None),
        ("nodejs20.x", "hello-node", "index.handler", node_hello_zip(),
         "`/usr/bin/node -e 0`", ["/usr/bin/node", "-e", "0"], None),
        ("provided.al2023", "cpp-echo", "bootstrap", cpp_echo_zip(build),
         "fork+exec of the bootstrap (Runtime API refused: exits at once)", [bootstrap],
         refused),
    ]
    rows = []
    # Short keep-alive: each round's environment is evicted soon after, so the rounds do not
    # pile up idle processes.
    with lambdahost(build, work_dir, "--keep-alive-seconds", "2") as port:
        api = Lambda(port)
        for runtime, name, handler, code, *_ in functions:
            api.create_function(name, runtime, handler, code)
        # name -> (client-side invoke, Init Duration, baseline) seconds, one per round.
        samples = {name: ([], [], []) for _, name, *_ in functions}
        for round_number in range(rounds):
            for _, name, _, _, _, command, env in functions:
                # A new configuration: the next invoke must start a new environment.
                api.set_variables(name, {"BENCH_ROUND": str(round_number)})
                elapsed, tail = api.invoke(name, tail=True)
                init = re.search(r"Init Duration: ([\d.]+) ms", tail)
                if not init:
                    raise RuntimeError(f"{name}: round {round_number} was not a cold start:\n"
                                       f"{tail}")
                samples[name][0].append(elapsed)
                samples[name][1].append(float(init.group(1)) / 1000)
                # The baseline right after, so both see the same machine load.
                samples[name][2].append(spawn_seconds(command, env))
    for runtime, name, _, _, baseline_label, *_ in functions:
        invoke_p50, init_p50, baseline_p50 = (statistics.median(s) for s in samples[name])
        rows.append((f"{runtime} ({name})", f"{invoke_p50 * 1e3:.1f} ms",
                     f"{init_p50 * 1e3:.1f} ms", baseline_label, f"{baseline_p50 * 1e3:.1f} ms",
                     f"{(invoke_p50 - baseline_p50) * 1e3:+.1f} ms"))
    true_p50 = statistics.median(spawn_seconds(["/bin/true"]) for _ in range(rounds))
    rows.append(("(spawn floor)", "", "", "fork+exec of `/bin/true`", f"{true_p50 * 1e3:.1f} ms",
                 ""))
    return table(f"Cold start: first invoke of a new environment, p50 of {rounds} rounds",
                 ("Runtime", "Invoke, client-side", "Init Duration (REPORT)", "baseline",
                  "baseline p50", "Invoke - baseline"), rows)


def install_serverless_offline():
    """npm ci of bench/serverless_offline into the cache dir, again only when the lock changes;
    copies serverless.yml and the hello-node handler beside it."""
    OFFLINE_CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "serverless.yml"):
        shutil.copyfile(OFFLINE_SOURCE / name, OFFLINE_CACHE / name)
    shutil.copyfile(HELLO_NODE, OFFLINE_CACHE / "index.js")
    lock_digest = hashlib.sha256((OFFLINE_SOURCE / "package-lock.json").read_bytes()).hexdigest()
    stamp = OFFLINE_CACHE / "node_modules/.lambdahost-bench-lock"
    if stamp.exists() and stamp.read_text() == lock_digest:
        return
    log(f"offline: npm ci in {OFFLINE_CACHE} (about a minute)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OFFLINE_CACHE, check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_text(lock_digest)


def serverless_offline(work_dir, lambda_port):
    # Offline and quiet: no telemetry, no notifications, dummy credentials (never used).
    env = {**os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1"}
    command = ["/usr/bin/node", "node_modules/serverless/bin/serverless.js", "offline", "start",
               "--host", "127.0.0.1", "--lambdaPort", str(lambda_port)]

    def ready(child):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"serverless-offline exited: see {work_dir}/serverless.log")
            with contextlib.suppress(OSError):
                Lambda(lambda_port).invoke(OFFLINE_FUNCTION)
                return lambda_port
            time.sleep(0.5)
        raise RuntimeError("serverless-offline did not answer within 120 s")

    return process(command, ready, pathlib.Path(work_dir) / "serverless.log", cwd=OFFLINE_CACHE,
                   env=env)


def bench_offline(build, work_dir, duration, repeat):
    install_serverless_offline()
    log("offline: hello-node on lambdahost vs serverless-offline")
    with lambdahost(build, work_dir) as lh_port, \
            serverless_offline(work_dir, free_port()) as offline_port:
        api = Lambda(lh_port)
        api.create_function("hello-node", "nodejs20.x", "index.handler", node_hello_zip())
        api.invoke("hello-node")
        ours, theirs = compare(invoke_url(lh_port, "hello-node"),
                               invoke_url(offline_port, OFFLINE_FUNCTION), 1, duration, repeat)
    rows = [
        ("req/s", f"{ours['rps']:.0f}", f"{theirs['rps']:.0f}",
         f"{ours['rps'] / theirs['rps']:.1f}x", ">= 10x"),
        ("p50", ms(ours["p50_us"]), ms(theirs["p50_us"]),
         f"{theirs['p50_us'] / ours['p50_us']:.1f}x faster", ""),
        ("p99", ms(ours["p99_us"]), ms(theirs["p99_us"]),
         f"{theirs['p99_us'] / ours['p99_us']:.1f}x faster", ""),
    ]
    return table(f"Node hello handler (nodejs20.x), wrk -t1 -c1, medians of {repeat} alternating "
                 f"{duration} s runs",
                 ("Measure", "lambdahost", "serverless-offline 13.9 (serverless 3.40)",
                  "lambdahost / serverless-offline", "target"), rows)


def table(title, header, rows):
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--offline", action="store_true")
    parser.add_argument("--build", type=pathlib.Path, default=REPO / "build")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=20, help="cold starts per runtime")
    parser.add_argument("--repeat", type=int, default=5,
                        help="wrk runs per side of each warm and offline comparison")
    parser.add_argument("--server-args", default="",
                        help="extra lambdahost serve flags, e.g. '--isolation process'")
    args = parser.parse_args()
    SERVER_ARGS.extend(shlex.split(args.server_args))
    everything = args.all or not (args.warm or args.cold or args.offline)
    build = args.build.resolve()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lambdahost-bench-") as work_dir:
        tables = []
        if everything or args.warm:
            tables.append(bench_warm(build, work_dir, args.duration, args.repeat))
        if everything or args.cold:
            tables.append(bench_cold(build, work_dir, args.rounds))
        if everything or args.offline:
            tables.append(bench_offline(build, work_dir, args.duration, args.repeat))
    print(f"Machine: {os.cpu_count()} cores, load average before the run "
          f"{load_before:.1f}\n")
    print("\n".join(tables))


if __name__ == "__main__":
    main()
