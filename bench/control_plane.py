# SPDX-License-Identifier: Apache-2.0
"""Control-plane latency: CreateFunction (durable: fsync'd group commit) and
GetFunctionConfiguration over one keep-alive connection, beside the same-run floor of
GET /health on the same connection (HTTP round trip with no store access).

Usage: /usr/bin/python3 bench/control_plane.py [path/to/lambdahost]"""
import base64
import http.client
import io
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

BINARY = sys.argv[1] if len(sys.argv) > 1 else str(pathlib.Path(__file__).parents[1] / "build/lambdahost")
CREATES = 200
READS = 2000


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.99) - 1] * 1e3


def main():
    with tempfile.TemporaryDirectory() as data_dir:
        server = subprocess.Popen([BINARY, "serve", "--port", "0", "--data-dir", data_dir],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(server.stdout.readline().rsplit(":", 1)[1])
            conn = http.client.HTTPConnection("127.0.0.1", port)

            def call(method, path, body=None):
                start = time.perf_counter()
                conn.request(method, path, body=None if body is None else json.dumps(body))
                response = conn.getresponse()
                response.read()
                return response.status, time.perf_counter() - start

            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as z:
                z.writestr("app.py", "def handler(event, context):\n    return event\n")
            code = base64.b64encode(archive.getvalue()).decode()
            creates = []
            for i in range(CREATES):
                status, elapsed = call("POST", "/2015-03-31/functions", {
                    "FunctionName": f"f{i}", "Runtime": "python3.12", "Handler": "app.handler",
                    "Role": "arn:aws:iam::000000000000:role/r", "Code": {"ZipFile": code}})
                assert status == 201, status
                creates.append(elapsed)
            reads = [call("GET", f"/2015-03-31/functions/f{i % CREATES}/configuration")[1]
                     for i in range(READS)]
            floor = [call("GET", "/health")[1] for _ in range(READS)]
        finally:
            server.terminate()
            server.wait(timeout=15)

    floor_p50, floor_p99 = percentiles(floor)
    for name, samples in (("CreateFunction", creates), ("GetFunctionConfiguration", reads)):
        p50, p99 = percentiles(samples)
        print(f"{name:26} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  ({p50 / floor_p50:.1f}x floor p50)")
    print(f"{'floor: GET /health':26} p50 {floor_p50:7.3f} ms  p99 {floor_p99:7.3f} ms")


if __name__ == "__main__":
    main()
