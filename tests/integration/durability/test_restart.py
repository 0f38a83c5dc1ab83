# SPDX-License-Identifier: Apache-2.0
"""A clean restart on the same data dir loses nothing: configurations (including RevisionId,
LastModified and states), tags, environment, logging config, listings, account usage and the
code bytes are identical afterwards, and the restarted server keeps working."""

import urllib.request

from support import zips
from support.clients import AwsCli
from support.functions import create_function, fresh_account, unique_name, wait_updated


def download(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def snapshot(server, client, names):
    """Everything a client can read about `names`, with the code bytes in place of the
    (port-dependent) Code.Location."""
    state = {"functions": {}, "raw": {}, "code": {}}
    for name in names:
        fetched = client.get_function(FunctionName=name)
        del fetched["ResponseMetadata"]
        state["code"][name] = download(fetched["Code"].pop("Location"))
        state["functions"][name] = fetched
        state["raw"][name] = server.call(
            "GetFunctionConfiguration", "GET", f"/2015-03-31/functions/{name}/configuration"
        ).json()
    listed = client.list_functions()["Functions"]
    state["list"] = sorted(listed, key=lambda item: item["FunctionName"])
    usage = client.get_account_settings()
    state["usage"] = usage["AccountUsage"]
    return state


def test_restart_keeps_everything(server_factory, tmp_path):
    server = server_factory()
    account = fresh_account()
    client = server.client(access_key=account)

    packages = {}
    names = [unique_name("keep-tags"), unique_name("keep-config"), unique_name("keep-logging")]
    for index, name in enumerate(names):
        packages[name] = zips.python_handler_zip(f"{name}-{index}")
    create_function(
        client, names[0], packages[names[0]], wait=True,
        Tags={"team": "core", "cost-center": "42"},
        Environment={"Variables": {"GREETING": "hello", "EMPTY": ""}},
    )
    create_function(
        client, names[1], packages[names[1]], wait=True,
        Description="configured", Timeout=60, MemorySize=1024, Architectures=["arm64"],
        EphemeralStorage={"Size": 2048}, TracingConfig={"Mode": "Active"},
    )
    create_function(client, names[2], packages[names[2]], wait=True)
    response = server.call(
        "UpdateFunctionConfiguration", "PUT", f"/2015-03-31/functions/{names[2]}/configuration",
        {"LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/custom/group"}},
        access_key=account,
    )
    assert response.status == 200, response
    wait_updated(client, names[2])
    packages[names[2] + "-v2"] = zips.python_handler_zip("second version")
    client.update_function_code(FunctionName=names[2], ZipFile=packages[names[2] + "-v2"])
    wait_updated(client, names[2])

    before = snapshot(server, client, names)
    assert before["code"][names[2]] == packages[names[2] + "-v2"]
    assert before["functions"][names[0]]["Tags"] == {"team": "core", "cost-center": "42"}
    assert before["usage"]["FunctionCount"] == 3

    server.restart()
    client = server.client(access_key=account)
    after = snapshot(server, client, names)
    assert after == before

    # aws-cli sees the same after the restart.
    aws = AwsCli(server.endpoint, tmp_path)
    code, output, stderr = aws("lambda", "get-function-configuration",
                               "--function-name", names[1], access_key=account)
    assert code == 0, stderr
    assert output["Description"] == "configured"

    # The restarted server keeps working: delete one, add one, restart again.
    client.delete_function(FunctionName=names[0])
    added = unique_name("added")
    create_function(client, added, wait=True, Tags={"new": "yes"})
    expected = snapshot(server, client, names[1:] + [added])
    server.restart()
    client = server.client(access_key=account)
    assert snapshot(server, client, names[1:] + [added]) == expected
    listed = [f["FunctionName"] for f in client.list_functions()["Functions"]]
    assert names[0] not in listed
