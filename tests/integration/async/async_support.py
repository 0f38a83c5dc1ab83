# SPDX-License-Identifier: Apache-2.0
"""Helpers of the asynchronous-invocation tests.

`Collector` is a small HTTP server run by the test (a thread on 127.0.0.1): functions POST what
they saw to /report (their request id and event), and it doubles as the SQS/SNS/EventBridge
endpoint of destinations, answering SendMessage like SQS's JSON protocol. Every request is kept
with its headers and body, so tests check the SigV4 Authorization header (`verify_sigv4`) and
the wire parameters. `wait_for` polls the collected requests until a condition holds (a bound
on waiting, not a timed assertion).

REPORTER is the function most tests deploy: it reports, then fails when the event says so.
"""

import hashlib
import hmac
import http.server
import json
import re
import socket
import threading
import time
import uuid

# The invoke tests' helpers (pytest.ini puts invoke/ on the path).
from invoke_support import SERVER_ARGS, deploy, python_zip  # noqa: F401 (re-exported)
from support.clients import DEFAULT_ACCOUNT, DEFAULT_REGION

WAIT_SECONDS = 45

REPORTER = """
import json
import os
import urllib.request

# No proxy from the environment: the collector is on the loopback interface.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def handler(event, context):
    report = {"request_id": context.aws_request_id, "function": context.function_name,
              "event": event}
    request = urllib.request.Request(os.environ["COLLECTOR"] + "/report",
                                     data=json.dumps(report).encode(), method="POST")
    opener.open(request, timeout=10).read()
    if isinstance(event, dict) and event.get("fail"):
        raise Exception("intentional failure")
    return {"ok": True, "echo": event}
"""

SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[^,]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


def free_port():
    """A port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collected:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # http.client.HTTPMessage: case-insensitive get()
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def target(self):
        return self.headers.get("X-Amz-Target", "")


class Collector:
    def __init__(self, port=0):
        collector = self
        self.requests = []
        self.changed = threading.Condition()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                collected = Collected("POST", self.path, self.headers, body)
                with collector.changed:
                    collector.requests.append(collected)
                    collector.changed.notify_all()
                answer = b"{}"
                if collected.target == "AmazonSQS.SendMessage":
                    message = json.loads(body)["MessageBody"].encode()
                    answer = json.dumps({"MessageId": str(uuid.uuid4()),
                                         "MD5OfMessageBody": hashlib.md5(message).hexdigest()}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                del args

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- what arrived -------------------------------------------------------------------

    def matching(self, predicate):
        with self.changed:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate, count=1, seconds=WAIT_SECONDS):
        """The requests satisfying `predicate` once there are at least `count` of them."""
        deadline = time.monotonic() + seconds
        with self.changed:
            while True:
                found = [r for r in self.requests if predicate(r)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"only {len(found)} of {count} expected requests arrived; all: "
                        f"{[(r.path, r.target, r.body[:200]) for r in self.requests]}")
                self.changed.wait(left)

    def reports(self, function, count=1, seconds=WAIT_SECONDS):
        """What `function` reported (its request id and event), at least `count` of them."""
        found = self.wait_for(lambda r: r.path == "/report" and r.json()["function"] == function,
                              count, seconds)
        return [r.json() for r in found]

    def reports_now(self, function):
        return [r.json() for r in self.matching(
            lambda r: r.path == "/report" and r.json()["function"] == function)]


def deploy_reporter(client, collector, prefix="async", **overrides):
    environment = {"Variables": {"COLLECTOR": collector.url}}
    return deploy(client, python_zip(REPORTER), prefix=prefix, Environment=environment,
                  **overrides)


def function_arn(name, qualifier=None, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT):
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def invoke_event(client, name, event, **params):
    """Invoke with InvocationType Event; returns (status, request id, payload bytes)."""
    response = client.invoke(FunctionName=name, InvocationType="Event",
                             Payload=json.dumps(event), **params)
    return (response["StatusCode"], response["ResponseMetadata"]["RequestId"],
            response["Payload"].read())


def verify_sigv4(request, secret, service, region):
    """Recomputes the SigV4 signature of a collected request with `secret` and compares."""
    match = SIGV4.fullmatch(request.headers["Authorization"])
    assert match, request.headers["Authorization"]
    assert (match["service"], match["region"]) == (service, region)
    signed = match["signed"].split(";")
    assert "host" in signed and "x-amz-date" in signed, signed
    canonical_headers = "".join(
        f"{name}:{' '.join(request.headers[name].strip().split())}\n" for name in signed)
    path, _, query = request.path.partition("?")
    canonical = "\n".join([request.method, path, query, canonical_headers, match["signed"],
                           hashlib.sha256(request.body).hexdigest()])
    scope = f"{match['date']}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", request.headers["x-amz-date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (match["date"], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, match["signature"]), "SigV4 signature does not verify"
    return match["key"]
