# SPDX-License-Identifier: Apache-2.0
"""Hostile deployment packages: zip-slip entries ('../', absolute paths), symlinks leading out
of the package, and a zip bomb. Each is refused with AWS's InvalidParameterValueException text
(facts §3.1) on CreateFunction and on UpdateFunctionCode, and nothing is written outside the
server's data dir: no file of the archive's token appears in /tmp, next to the data dir, or
anywhere inside it, no symlink in the data dir leads out, and the bomb was not inflated."""

import os
import pathlib
import uuid

import botocore.exceptions
import pytest

from support import zips
from support.functions import code_sha256, create_function, error_of, unique_name

UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."
UNZIPPED_TOO_LARGE = "Unzipped size must be smaller than 262144000 bytes"
# The data dir holds metadata and a few small packages; an inflated bomb would be 300 MB.
MAX_DATA_DIR_BYTES = 50 * 1024 * 1024


def files_under(root):
    for directory, subdirs, files in os.walk(root):
        for entry in subdirs + files:
            yield pathlib.Path(directory) / entry


def assert_nothing_escaped(server, token):
    data_dir = server.data_dir.resolve()
    outside = [pathlib.Path("/tmp"), data_dir.parent, data_dir.parent.parent]
    found = [str(path / f"evil-{token}") for path in outside]
    found = [path for path in found if os.path.lexists(path)]
    found += [str(path) for path in files_under(data_dir) if token in path.name]
    for path in found:  # leave no trace for the next run, then fail
        if os.path.isfile(path) or os.path.islink(path):
            os.unlink(path)
    assert not found, f"archive entries were written: {found}"

    total = 0
    for path in files_under(data_dir):
        if path.is_symlink():
            target = pathlib.Path(os.path.realpath(path))
            assert target == data_dir or data_dir in target.parents, (
                f"symlink {path} -> {os.readlink(path)} leads out of the data dir"
            )
        elif path.is_file():
            total += path.stat().st_size
    assert total < MAX_DATA_DIR_BYTES, f"data dir holds {total} bytes: an archive was inflated"


def refused_on_create(client, package):
    name = unique_name("hostile")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_function(client, name, package)
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        client.get_function(FunctionName=name)
    assert error_of(missing)[0] == 404, "a refused CreateFunction left a function behind"
    return error_of(excinfo)


def refused_on_update(client, package):
    name = unique_name("hostile-update")
    good = zips.python_handler_zip(name)
    create_function(client, name, good, wait=True)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.update_function_code(FunctionName=name, ZipFile=package)
    configuration = client.get_function_configuration(FunctionName=name)
    assert configuration["CodeSha256"] == code_sha256(good), "a refused update replaced the code"
    assert configuration["LastUpdateStatus"] == "Successful"
    return error_of(excinfo)


OPERATIONS = {"create": refused_on_create, "update": refused_on_update}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("kind", zips.ZIP_SLIP_KINDS)
def test_zip_slip_is_refused(server, lambda_client, operation, kind):
    token = uuid.uuid4().hex
    error = OPERATIONS[operation](lambda_client, zips.zip_slip_zip(kind, token))
    assert error == (400, "InvalidParameterValueException", UNZIP_FAILED)
    assert_nothing_escaped(server, token)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_zip_bomb_is_refused(server, lambda_client, zip_bomb, operation):
    error = OPERATIONS[operation](lambda_client, zip_bomb)
    assert error == (400, "InvalidParameterValueException", UNZIPPED_TOO_LARGE)
    assert_nothing_escaped(server, uuid.uuid4().hex)


def test_package_with_directories_is_accepted(server, lambda_client):
    """The checks refuse escapes, not ordinary nesting."""
    package = zips.python_handler_zip(
        "nested", extra_files={"pkg/__init__.py": "", "pkg/sub/data.json": "{}", "./dot.txt": "x"}
    )
    name = unique_name("nested")
    created = create_function(lambda_client, name, package, wait=True)
    assert created["CodeSha256"] == code_sha256(package)
    assert_nothing_escaped(server, uuid.uuid4().hex)


@pytest.mark.parametrize(
    "suffix",
    ["0" * 64, "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "../../../../etc/passwd", "%2Fetc%2Fpasswd"],
    ids=["unknown-digest", "encoded-traversal", "raw-traversal", "absolute"],
)
def test_code_download_serves_only_stored_packages(server, suffix):
    response = server.request("GET", f"/_lambdahost/code/{suffix}", sign=False)
    assert response.status in (400, 404), response
    assert b"root:" not in response.body
