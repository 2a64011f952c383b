"""Files on disk, the bottom layer of capopt's I/O: atomic writes, formula escaping and paths as a planner reads them.

Imports nothing from the package but its errors, so readers and writers alike can build on it.
"""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@")  # text a spreadsheet may run as a formula


def display_path(path: Path) -> str:
    """`path` as a planner reads it in a message: relative to the working folder where it can be."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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
