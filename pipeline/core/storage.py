"""Content-addressed originals under DATA_DIR: written once, never overwritten or deleted.

An original lives at ``originals/ab/cd/<sha256>`` (no extension, no user-chosen name:
a hostile file name can never reach the file system). Writing goes through a
temporary file and an atomic rename, so a crash never leaves half an original; a
second write of the same bytes finds the file there and writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredOriginal:
    sha256: str
    relative_path: str  # relative to the data directory
    size: int
    already_present: bool


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_path_for(sha256: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_original(data_dir: Path, data: bytes) -> StoredOriginal:
    """Write ``data`` once under its sha256; return where it is."""
    digest = sha256_of(data)
    relative = relative_path_for(digest)
    target = data_dir / relative
    if target.exists():
        return StoredOriginal(digest, relative, len(data), already_present=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o444)
        try:
            # link() refuses to replace an existing file: a concurrent writer of the
            # same bytes can never overwrite an original, only find it there.
            os.link(tmp_name, target)
            present = False
        except FileExistsError:
            present = True
    finally:
        os.unlink(tmp_name)
    return StoredOriginal(digest, relative, len(data), already_present=present)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder, synced, then
    renamed over it: a reader sees the old file or the whole new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def read_original(data_dir: Path, relative_path: str) -> bytes:
    path = (data_dir / relative_path).resolve()
    if data_dir.resolve() not in path.parents:
        raise ValueError(f"path outside the data directory: {relative_path!r}")
    return path.read_bytes()


MAX_NAME = 200
_EXTENSION = re.compile(r"\.[0-9A-Za-z]{1,10}$")


def display_name(uploaded_name: str) -> str:
    """The uploaded name made safe to show and to use in download names.

    Path parts are dropped (``../../etc/passwd`` → ``passwd``), control and format
    characters removed, leading and trailing dots and spaces stripped — and only then
    is a long name cut, in its stem, so it keeps its real extension: a long
    ``….exe. .pdf`` stays ``… .pdf``, never ``….exe.``. The stored file never uses it.
    """
    name = unicodedata.normalize("NFC", uploaded_name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > MAX_NAME:
        found = _EXTENSION.search(name)
        extension = found.group(0) if found else ""
        stem = name[: len(name) - len(extension)][: MAX_NAME - len(extension)].rstrip(" .")
        name = f"{stem}{extension}" if stem else extension.lstrip(".")
    return name or "unnamed"
