# SPDX-License-Identifier: Apache-2.0
"""X-Amz-Log-Result of an invocation that prints far more than 4 KB: the last 4096 bytes of its
log (facts §3.5), starting on a whole UTF-8 character, while the log files get every line. The
engine keeps only the tail in memory (logs::InvocationLog), so what a function prints does not
accumulate in the server."""

import base64
import subprocess

from invoke_support import deploy, invoke, python_zip
from support.server import binary_path

LINES = 20000  # about 1.3 MB of output

HANDLER = f"""
    import sys

    def handler(event, context):
        for i in range({LINES}):
            sys.stdout.write(f"line {{i}} \U0001F600\U0001F600\U0001F600\\n")
        return "done"
"""


def test_tail_is_the_last_4_kb_on_a_character_boundary_and_the_files_get_everything(
        server, lambda_client):
    name = deploy(lambda_client, python_zip(HANDLER), prefix="tail", Timeout=60)
    response = lambda_client.invoke(FunctionName=name, LogType="Tail")
    assert response["Payload"].read() == b'"done"'
    tail = base64.b64decode(response["LogResult"])
    assert 4096 - 3 <= len(tail) <= 4096
    text = tail.decode("utf-8")  # strict: no broken character at the start
    assert text.rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")
    assert f"line {LINES - 1} \U0001F600\U0001F600\U0001F600\nEND RequestId: " in text

    printed = subprocess.run(
        [binary_path(), "logs", name, "--data-dir", str(server.data_dir)],
        capture_output=True, check=True, timeout=60).stdout.decode()
    assert sum(line.startswith("line ") for line in printed.splitlines()) == LINES
    assert printed.index("START RequestId:") < printed.index("line 0 ") < printed.index(
        f"line {LINES - 1} ") < printed.index("END RequestId:")
    assert invoke(lambda_client, name).payload == b'"done"'
