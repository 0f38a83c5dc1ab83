# SPDX-License-Identifier: Apache-2.0
"""The crash test of issue 6: 1000 Event invokes from concurrent clients, the server killed with
SIGKILL (its whole process group) in the middle of the flood, a restart on the same data dir:
every event that was acknowledged with 202 runs at least once. The function reports each
request id to a collector in this process, which outlives the server."""

import concurrent.futures
import threading
import time

import botocore.exceptions

from async_support import SERVER_ARGS, Collector, deploy_reporter
from support import server as server_module

EVENTS = 1000
CLIENTS = 16
KILL_AFTER = EVENTS // 2  # acknowledgements before the kill


def test_acknowledged_events_survive_kill_9(tmp_path):
    with Collector() as collector:
        server = server_module.Server(tmp_path, SERVER_ARGS).start()
        try:
            client = server.client()
            name = deploy_reporter(client, collector, prefix="crash")
            acknowledged = set()
            lock = threading.Lock()
            killed = threading.Event()

            def send(index):
                if killed.is_set():
                    return
                try:
                    response = client.invoke(FunctionName=name, InvocationType="Event",
                                             Payload=f'{{"n": {index}}}')
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                    return  # the server died under this request: not acknowledged
                assert response["StatusCode"] == 202
                with lock:
                    acknowledged.add(response["ResponseMetadata"]["RequestId"])
                    if len(acknowledged) == KILL_AFTER and not killed.is_set():
                        killed.set()
                        server.kill()  # SIGKILL to the server's process group

            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(send, range(EVENTS)))
            assert killed.is_set() and len(acknowledged) >= KILL_AFTER

            server.start()  # same data dir, new port
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ran = {report["request_id"] for report in collector.reports_now(name)}
                if acknowledged <= ran:
                    break
                time.sleep(0.2)
            missing = acknowledged - ran
            assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged events never ran"
        finally:
            try:
                server.stop()
            except BaseException:
                server.kill()
                raise
