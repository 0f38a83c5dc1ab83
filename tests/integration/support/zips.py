# SPDX-License-Identifier: Apache-2.0
"""Deployment packages built in memory with zipfile: a working Python handler, hostile
archives (zip-slip entries, symlinks leading out, a zip bomb) and an oversize archive.

The hostile archives name their payload files with a caller-chosen token, so a test can look
for exactly that name outside the server's data directory afterwards.
"""

import io
import stat
import zipfile

HANDLER_FILE = "lambda_function.py"
HANDLER = "lambda_function.handler"
HANDLER_SOURCE = "def handler(event, context):\n    return {{'ok': True, 'tag': {tag!r}}}\n"

# AWS limits (facts §3.8).
MAX_ZIPPED_BYTES = 52428800
MAX_UNZIPPED_BYTES = 262144000
MAX_CREATE_REQUEST_BYTES = 70167211

ZIP_SLIP_KINDS = ("dotdot", "absolute", "symlink", "symlink_write")


def _entry(name, mode=0o644, file_type=stat.S_IFREG):
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = 3  # Unix, so external_attr carries st_mode
    info.external_attr = (file_type | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def python_handler_zip(tag="v1", extra_files=None):
    """A valid package whose handler returns {'ok': True, 'tag': tag}; different tags give
    different bytes (and so a different CodeSha256)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry(HANDLER_FILE), HANDLER_SOURCE.format(tag=tag))
        for name, content in (extra_files or {}).items():
            archive.writestr(_entry(name), content)
    return buffer.getvalue()


def package_zip(files):
    """A package of `files`, each {name: content} or {name: (content, mode)}: an executable
    `bootstrap` needs mode 0o755, which the entry's external_attr carries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            content, mode = content if isinstance(content, tuple) else (content, 0o644)
            archive.writestr(_entry(name, mode=mode), content)
    return buffer.getvalue()


def zip_slip_zip(kind, token):
    """A package with a valid handler plus one way of writing outside the extraction dir:
    'dotdot'        '../evil-<token>' and a deep '../../…/tmp/evil-<token>'
    'absolute'      '/tmp/evil-<token>'
    'symlink'       a symlink entry 'escape-<token>' -> '../../../../../../../../tmp'
    'symlink_write' that symlink, then a file written through it"""
    evil = f"evil-{token}"
    up = "../" * 12
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry(HANDLER_FILE), HANDLER_SOURCE.format(tag=kind))
        if kind == "dotdot":
            archive.writestr(_entry(f"../{evil}"), b"owned")
            archive.writestr(_entry(f"{up}tmp/{evil}"), b"owned")
        elif kind == "absolute":
            archive.writestr(_entry(f"/tmp/{evil}"), b"owned")
        elif kind in ("symlink", "symlink_write"):
            link = _entry(f"escape-{token}", mode=0o777, file_type=stat.S_IFLNK)
            link.compress_type = zipfile.ZIP_STORED
            archive.writestr(link, f"{up}tmp")
            if kind == "symlink_write":
                archive.writestr(_entry(f"escape-{token}/{evil}"), b"owned")
        else:
            raise ValueError(kind)
    return buffer.getvalue()


def zip_bomb(unzipped_bytes=300 * 1024 * 1024):
    """A handler plus one entry of `unzipped_bytes` zeros, deflated while streaming (300 MB of
    zeros compress to ~300 KB); honest headers, so the unzipped size is over the 250 MB limit
    whether the server trusts the headers or counts while extracting."""
    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry(HANDLER_FILE), HANDLER_SOURCE.format(tag="bomb"))
        with archive.open(_entry("zeros.bin"), "w") as entry:
            remaining = unzipped_bytes
            while remaining > 0:
                piece = chunk[: min(len(chunk), remaining)]
                entry.write(piece)
                remaining -= len(piece)
    return buffer.getvalue()


def oversize_zip(size=MAX_ZIPPED_BYTES + 1):
    """A valid, stored (uncompressed) package of at least `size` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry(HANDLER_FILE), HANDLER_SOURCE.format(tag="big"))
        padding = _entry("padding.bin")
        padding.compress_type = zipfile.ZIP_STORED
        archive.writestr(padding, bytes(size))
    data = buffer.getvalue()
    assert len(data) > size
    return data
