"""Files on disk, the bottom layer of capopt's I/O: atomic writes, formula escaping and paths as a planner reads them.

Imports nothing from the package but its errors, so readers and writers alike can build on it.
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@")  # text a spreadsheet may run as a formula


class FileError(Exception):
    """A path that cannot be read as a regular file: `str()` says why in a few words; `missing` if nothing is
    there at all (not even a broken link)."""

    def __init__(self, reason: str, *, missing: bool = False):
        super().__init__(reason)
        self.missing = missing


def display_path(path: Path | str) -> str:
    """`path` as a planner reads it in a message: relative to the working folder where it can be.

    Links are not followed (a link loop must still have a name to report).
    """
    try:
        absolute, folder = os.path.abspath(path), os.getcwd().rstrip(os.sep) + os.sep
    except OSError:  # the working folder was deleted
        return str(path)
    return absolute[len(folder):] if absolute.startswith(folder) else str(path)


class NotUtf8(ValueError):
    """Bytes that are not UTF-8 text; `at` is the offset of the first bad byte in them (a BOM counted)."""

    def __init__(self, at: int):
        super().__init__(f"not UTF-8 from byte {at}")
        self.at = at


def utf8_text(raw: bytes) -> str:
    """`raw` decoded as UTF-8, without a leading BOM; `NotUtf8` naming the first bad byte's offset in `raw`."""
    skip = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(skip + exc.start) from None


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size < 1e9 else f"{size / 1e9:,.1f} GB"


def read_regular_file(path: Path | str, max_bytes: int, *, what: str = "the file", expected: str = "a file") -> bytes:
    """The bytes of a regular file (links followed) of at most `max_bytes`; `FileError` otherwise.

    A FIFO, device or socket is never opened (reading one could block forever or never end), and the size is
    checked before reading.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            if os.path.islink(path):
                raise FileError(f"is a broken link (to '{os.readlink(path)}', which does not exist)") from None
            raise FileError("not found", missing=True) from None
        if exc.errno == errno.ELOOP:
            raise FileError("is a link that leads back to itself (a symbolic link loop)") from None
        raise FileError(f"cannot read {what}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileError(f"is a folder, expected {expected}")
    if not stat.S_ISREG(info.st_mode):
        raise FileError(f"is not a regular file (a FIFO, device or socket), expected {expected}")
    if info.st_size > max_bytes:
        raise FileError(f"is {_megabytes(info.st_size)}; capopt reads files of at most {_megabytes(max_bytes)}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never blocks, even if a FIFO took its place
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise FileError(f"is not a regular file (a FIFO, device or socket), expected {expected}")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FileError(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise FileError(f"is larger than {_megabytes(max_bytes)}, the most capopt reads")
    return data


def escape_formula(text: object) -> object:
    """Text a spreadsheet would run as a formula (starting with =, +, - or @) gets a leading quote; else as is."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unescape_formula(text: object) -> object:
    """Undo `escape_formula`."""
    if isinstance(text, str) and text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `target`; on success it replaces `target`, on failure it vanishes.

    A failed or interrupted run leaves whatever was at `target` before untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the plan folder gets the usual permissions
    try:
        yield staging
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target` to write; on success it replaces `target`, on failure it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield staging
        with open(staging, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
