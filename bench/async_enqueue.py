# SPDX-License-Identifier: Apache-2.0
"""Durable enqueue of Event invokes (issue 6): acknowledgements per second and p50/p99
acknowledgement latency with many concurrent clients, beside this machine's raw SQLite commit
rate (WAL, synchronous=FULL, one row per transaction: one fsync each) on the same filesystem.

Every 202 is sent only after the event's commit is fsync'd; group commit lets concurrent Event
invokes share one fsync, so the enqueue rate can exceed the raw commit rate. Two runs:
  queue only  - the function has ReservedConcurrentExecutions 0, so each event finishes at once
                (ZeroReservedConcurrency, one more write) and no function runs: the queue's cost;
  with runs   - a no-op python3.12 function runs every event beside the flood.

Usage: /usr/bin/python3 bench/async_enqueue.py [--build DIR] [--events N] [--clients N]
Prints markdown tables (the format of docs/performance.md).
"""
import argparse
import base64
import concurrent.futures
import http.client
import io
import json
import os
import pathlib
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

REPO = pathlib.Path(__file__).resolve().parents[1]
ROLE = "arn:aws:iam::000000000000:role/lambda"
NOOP = "def handler(event, context):\n    return None\n"
READY = re.compile(rb"lambdahost listening on http://127\.0\.0\.1:(\d+)")


def log(message):
    print(message, file=sys.stderr, flush=True)


def start_server(binary, data_dir):
    server = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir),
         "--runtimes-dir", str(REPO / "runtimes"), "--log-level", "warn"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        start_new_session=True)
    match = READY.search(server.stdout.readline())
    if not match:
        os.killpg(server.pid, signal.SIGKILL)
        raise SystemExit("lambdahost did not start")
    return server, int(match.group(1))


def request(port, method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def create_function(port, name, reserved_zero):
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("lambda_function.py", NOOP)
    body = json.dumps({"FunctionName": name, "Runtime": "python3.12", "Role": ROLE,
                       "Handler": "lambda_function.handler",
                       "Code": {"ZipFile": base64.b64encode(package.getvalue()).decode()}})
    status, answer = request(port, "POST", "/2015-03-31/functions", body.encode())
    assert status == 201, answer
    while json.loads(request(port, "GET", f"/2015-03-31/functions/{name}/configuration")[1])[
            "State"] != "Active":
        time.sleep(0.05)
    if reserved_zero:
        status, answer = request(port, "PUT", f"/2017-10-31/functions/{name}/concurrency",
                                 b'{"ReservedConcurrentExecutions": 0}')
        assert status == 200, answer


def flood(port, name, events, clients):
    """Sends `events` Event invokes from `clients` keep-alive connections; returns (seconds,
    latencies in ms)."""
    path = f"/2015-03-31/functions/{name}/invocations"
    headers = {"X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"}
    counter = iter(range(events))
    lock = threading.Lock()
    latencies = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            started = time.perf_counter()
            connection.request("POST", path, body=b'{"n": %d}' % index, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            assert response.status == 202, response.status
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return time.perf_counter() - started, latencies


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sqlite_commit_rate(directory, commits=400):
    """Single-row transactions in WAL mode with synchronous=FULL: one fsync per commit."""
    path = pathlib.Path(directory) / "fsync-probe.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    latencies = []
    started = time.perf_counter()
    for i in range(commits):
        begin = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t VALUES (?, ?)", (i, '{"n": %d}' % i))
        connection.execute("COMMIT")
        latencies.append((time.perf_counter() - begin) * 1000)
    seconds = time.perf_counter() - started
    connection.close()
    return commits / seconds, statistics.median(latencies), percentile(latencies, 0.99)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(REPO / "build"))
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    binary = pathlib.Path(args.build) / "lambdahost"

    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as scratch:
        rate, p50, p99 = sqlite_commit_rate(scratch)
        log(f"raw SQLite: {rate:.0f} commits/s")
        rows = []
        for label, reserved_zero in (("queue only", True), ("with runs", False)):
            data_dir = pathlib.Path(scratch) / label.replace(" ", "-")
            server, port = start_server(binary, data_dir)
            try:
                name = "bench-" + label.replace(" ", "-")
                create_function(port, name, reserved_zero)
                flood(port, name, min(200, args.events), args.clients)  # warm-up
                seconds, latencies = flood(port, name, args.events, args.clients)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            rows.append((label, args.events / seconds, statistics.median(latencies),
                         percentile(latencies, 0.99)))
            log(f"{label}: {rows[-1][1]:.0f} acks/s")

    print(f"| {args.clients} concurrent clients, {args.events} Event invokes | acks/s | "
          "p50 ack (ms) | p99 ack (ms) |")
    print("|---|---|---|---|")
    for label, acks, lat50, lat99 in rows:
        print(f"| lambdahost Event invoke, {label} | {acks:.0f} | {lat50:.2f} | {lat99:.2f} |")
    print(f"| raw SQLite commit (WAL, synchronous=FULL, 1 row), sequential | {rate:.0f} | "
          f"{p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
