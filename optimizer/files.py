"""Files on disk, the bottom layer of capopt's I/O: reading regular files of bounded size, atomic writes, output
folders that never lose a file capopt did not write (manifest, lock, swap, recovery of killed runs), formula
escaping and paths as a planner reads them.

Imports nothing from the package, so readers and writers alike can build on it.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@")  # text a spreadsheet may run as a formula
MANIFEST = ".capopt-manifest.json"  # in an output folder: the files capopt wrote there, by owner, with their hashes
PNG_SOFTWARE = "capopt"  # the Software text of every PNG capopt draws: how it recognises its own charts
_STAGING = "capopt"  # staging names carry the pid of their run: .<target>.capopt-<pid>-<hex>.new / .old / .tmp
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.capopt-(?P<pid>[0-9]+)-[0-9a-f]+\.(?P<kind>new|old|tmp)$")
_LEGACY_OLD = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.old$")  # a plan replaced by capopt before manifests
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


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
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target` to write; on success it replaces `target`, on failure it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{_STAGING}-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        yield staging
        with open(staging, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


# ---- output folders: a manifest of what capopt wrote, a lock, atomic replacement, recovery ----------------------

class OutputError(Exception):
    """An output that capopt must not write (it would touch a file capopt did not write, or the folder is in use);
    the message is one line for the user."""


def is_capopt_png(path: Path) -> bool:
    """True if `path` is a PNG file whose Software text says capopt drew it."""
    try:
        data = read_regular_file(path, 20_000_000)
    except FileError:
        return False
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    at = 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at: at + 4], "big"), data[at + 4: at + 8]
        if kind == b"tEXt":
            key, _, value = data[at + 8: at + 8 + length].partition(b"\0")
            if key == b"Software" and value == PNG_SOFTWARE.encode():
                return True
        if kind == b"IEND":
            break
        at += 12 + length
    return False


def check_replaceable(path: Path, written_by_capopt: Callable[[Path], bool], *, shown: str | None = None,
                      force: bool = True) -> None:
    """`OutputError` unless `path` is free, or a file capopt wrote (as `written_by_capopt` recognises it) and
    `force` allows replacing it. A file capopt did not write (or that was changed since) is never replaced."""
    shown = shown or str(path)
    if not os.path.lexists(path):
        return
    if not (os.path.isfile(path) and not os.path.islink(path) and written_by_capopt(Path(path))):
        raise OutputError(f"{shown} exists and was not written by capopt (or was changed since); capopt will not "
                          "overwrite it: move it away or choose another name")
    if not force:
        raise OutputError(f"{shown} exists; give --force to replace it")


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict[str, dict[str, list[str | None]]]:
    """What capopt wrote in `folder`, by owner ("plan", "sweep"): file name -> the SHA-256 it may have (None while
    a sweep still appends to it). {} without a readable manifest. Only plain names count (never a path)."""
    try:
        data = json.loads(read_regular_file(folder / MANIFEST, 10_000_000))
    except (FileError, ValueError):
        return {}
    owners = data.get("files") if isinstance(data, dict) else None
    manifest: dict[str, dict[str, list[str | None]]] = {}
    for owner, entries in (owners.items() if isinstance(owners, dict) else ()):
        if isinstance(entries, dict):
            manifest[owner] = {name: [h for h in hashes if h is None or isinstance(h, str)]
                               for name, hashes in entries.items()
                               if isinstance(hashes, list) and name == os.path.basename(name)
                               and name not in ("", ".", "..", MANIFEST)}
    return manifest


def _write_manifest(folder: Path, manifest: dict[str, dict[str, list[str | None]]]) -> None:
    with atomic_file(folder / MANIFEST) as staging:
        staging.write_text(json.dumps({"written_by": "capopt", "files": manifest}, indent=1, sort_keys=True) + "\n")


def _written(folder: Path, manifest: dict, owner: str, name: str) -> bool:
    """True if `name` in `folder` is a file capopt wrote for `owner` and nobody changed since."""
    hashes = manifest.get(owner, {}).get(name)
    path = folder / name
    if hashes is None or not os.path.isfile(path) or os.path.islink(path):
        return False
    return None in hashes or sha256_of(path) in hashes


def _remove_written(folder: Path) -> None:
    """Delete the files capopt wrote in `folder` (per its manifest, unchanged), then the folder if nothing is left."""
    manifest = _read_manifest(folder)
    for owner, entries in manifest.items():
        for name in entries:
            if _written(folder, manifest, owner, name):
                (folder / name).unlink()
    if sorted(os.listdir(folder)) in ([MANIFEST], []):
        (folder / MANIFEST).unlink(missing_ok=True)
        os.rmdir(folder)


def slug(name: str) -> str:
    """A label (a case's name) as a file name: letters, digits, '.', '_' and '-' kept, anything else '_'; never
    a path, never hidden."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    return text[:100] or "case"


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (a leftover of a live run is not ours to clean)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """Linux renameat2(2) (atomic exchange, or no-replace); False where the system or file system lacks it."""
    function = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), ctypes.c_uint(flags)) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(target))


def recover_leftovers(target: Path) -> None:
    """Finish or clean what capopt runs that were killed left at `target`: a previous plan moved aside by a swap
    that was cut between its two renames is put back, staging folders and temporary files are removed.

    Only leftovers named with the pid of a process that no longer runs are touched, and of them only files capopt
    wrote (a staging folder never committed holds nothing else)."""
    for folder, wanted in ((target.parent, target.name), (target, None)):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        found = []
        for entry in entries:
            match = _LEFTOVER.match(entry) or (_LEGACY_OLD.match(entry) if folder == target.parent else None)
            if match and (wanted is None or match["name"] == wanted) and not _alive(int(match["pid"])):
                found.append((entry, match.groupdict().get("kind", "legacy")))
        if folder == target.parent and not os.path.lexists(target):
            olds = sorted((e for e, kind in found if kind in ("old", "legacy")),
                          key=lambda e: os.stat(folder / e).st_mtime)
            if olds:
                os.rename(folder / olds[-1], target)  # the swap that moved it aside was killed before it finished
                found = [(e, kind) for e, kind in found if e != olds[-1]]
        for entry, kind in found:
            path = folder / entry
            if kind == "tmp" or (kind == "new" and not (path / MANIFEST).exists()):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)  # never committed: only capopt wrote in it
                else:
                    path.unlink(missing_ok=True)
            elif kind in ("new", "old") and path.is_dir():
                _remove_written(path)


@contextmanager
def folder_lock(folder: Path, shown: str) -> Iterator[None]:
    """Hold an exclusive lock (flock) on `folder` until the block ends; `OutputError` at once if another capopt run
    holds it. The lock is on the folder itself, so it is the folder now at that path that is locked."""
    for _ in range(10):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"{shown} is in use by another capopt run; wait for it to end or choose another "
                              "folder") from None
        held, now = os.fstat(fd), os.stat(folder)
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            break
        os.close(fd)  # the folder was replaced between open and lock: lock the one there now
    else:
        raise OutputError(f"{shown} keeps being replaced by another run; try again")
    try:
        yield
    finally:
        os.close(fd)


class OutputFolder:
    """A folder capopt writes one owner's files into ("plan" for solve and plot, "sweep"), keeping every other file.

    The files capopt wrote are listed in the folder's manifest (`.capopt-manifest.json`) with their SHA-256; only
    those, unchanged, are ever replaced or removed. A folder holding other files is written into only with `force`
    (or when it already holds this owner's files), and a file named like one capopt writes is never replaced
    unless capopt wrote it. `replace_all` swaps in a whole new set of files atomically.
    """

    def __init__(self, path: Path | str, owner: str, *, force: bool = False):
        self.shown = str(path)
        self.path = Path(os.path.realpath(path))  # a link to a folder: write in the folder it leads to
        self.owner = owner
        self.force = force

    def owned(self) -> bool:
        """Whether the folder holds files capopt wrote for this owner (a plan folder, a sweep folder)."""
        return self.owner in _read_manifest(self.path) if self.path.is_dir() else False

    def _inspect(self) -> tuple[dict, list[str]]:
        """(manifest, entries that are not this owner's files capopt wrote, sorted)."""
        if not self.path.is_dir():
            return {}, []
        manifest = _read_manifest(self.path)
        foreign = [e for e in sorted(os.listdir(self.path)) if e != MANIFEST and not _LEFTOVER.match(e)
                   and not _written(self.path, manifest, self.owner, e)]
        return manifest, foreign

    def check(self, names: Iterable[str] = ()) -> None:
        """`OutputError` if writing `names` here would replace a file capopt did not write, or the folder holds
        other files and is not yet this owner's folder (unless `force`). Run it before the work, not only after."""
        if os.path.lexists(self.path) and not self.path.is_dir():
            raise OutputError(f"{self.shown} is a file, expected a folder")
        recover_leftovers(self.path)
        manifest, foreign = self._inspect()
        clash = next((n for n in names if n in foreign), None)
        if clash is not None:
            changed = any(clash in entries for entries in manifest.values())
            raise OutputError(f"{os.path.join(self.shown, clash)} was not written by capopt"
                              f"{' (or was changed since)' if changed else ''}; capopt will not overwrite it: move it "
                              "away or choose another folder")
        if foreign and not self.force and self.owner not in manifest:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise OutputError(f"{self.shown} holds files capopt did not write ({shown}); choose an empty or new "
                              "folder, or add --force to write beside them (they are kept)")

    def _swappable(self) -> bool:
        """Whether the folder may be replaced as a whole: not a mount point, not the working folder or above it."""
        if not self.path.exists():
            return True
        here = os.getcwd()
        return not os.path.ismount(self.path) and not (here + os.sep).startswith(str(self.path).rstrip(os.sep) + os.sep)

    def replace_all(self, fill: Callable[[Path], list[str]]) -> list[Path]:
        """Replace this owner's files with new ones: `fill(staging)` writes them into an empty folder and returns
        their names. A failed or interrupted run leaves the previous files as they were.

        When the folder holds only this owner's files it is swapped for the staging folder at once (renameat2's
        exchange, or two renames that the next run completes if killed between them); otherwise the new files are
        renamed in one by one, the manifest last, and the owner's previous files that are not rewritten removed."""
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            return self._swap(fill)
        with folder_lock(self.path, self.shown):
            manifest, foreign = self._inspect()
            if not foreign and set(manifest) <= {self.owner} and self._swappable():
                return self._swap(fill)
            return self._file_by_file(fill, replace=True)

    @contextmanager
    def session(self, names: Iterable[str]) -> Iterator[None]:
        """Hold the folder for a run that writes `names` into it over time (a sweep): it is checked, made and locked
        until the block ends, and listed as this owner's from the start."""
        names = list(names)
        self.check(names)
        self.path.mkdir(parents=True, exist_ok=True)
        with folder_lock(self.path, self.shown):
            self.check(names)  # another run may have written there before the lock was taken
            manifest = _read_manifest(self.path)
            if self.owner not in manifest:
                _write_manifest(self.path, {**manifest, self.owner: {}})
            yield

    def _record(self, name: str, hashes: list[str | None] | None) -> None:
        """List `name` as this owner's with `hashes` (None: no longer listed)."""
        manifest = _read_manifest(self.path)
        entries = {n: h for n, h in manifest.get(self.owner, {}).items() if n != name}
        if hashes is not None:
            entries[name] = hashes
        _write_manifest(self.path, {**manifest, self.owner: entries})

    def growing(self, name: str) -> Path:
        """List `name` as a file this run keeps appending to (any content is capopt's until `seal`); its path."""
        self._record(name, [None])
        return self.path / name

    def seal(self, name: str) -> None:
        """List `name` with its current content's hash (appending to it is done)."""
        self._record(name, [sha256_of(self.path / name)])

    @contextmanager
    def replacing(self, name: str) -> Iterator[Path]:
        """Yield a temporary path to write `name` to; it then replaces `name` at once and is listed as capopt's.
        Use within `session`, which checked that `name` is free or capopt's."""
        with atomic_file(self.path / name) as staging:
            yield staging
            self._record(name, [None])  # a kill between the rename and the hash still leaves it capopt's
        self.seal(name)

    def remove(self, name: str) -> None:
        """Delete `name` if capopt wrote it for this owner and nobody changed it; forget it either way."""
        if _written(self.path, _read_manifest(self.path), self.owner, name):
            (self.path / name).unlink()
        self._record(name, None)

    def add(self, fill: Callable[[Path], list[str]]) -> list[Path]:
        """Add or replace the files `fill(staging)` writes, keeping this owner's other files."""
        self.check()
        self.path.mkdir(parents=True, exist_ok=True)
        with folder_lock(self.path, self.shown):
            return self._file_by_file(fill, replace=False)

    def _staging(self, folder: Path, kind: str) -> Path:
        return folder / f".{self.path.name or 'root'}.{_STAGING}-{os.getpid()}-{secrets.token_hex(4)}.{kind}"

    def _swap(self, fill: Callable[[Path], list[str]]) -> list[Path]:
        staging = self._staging(self.path.parent, "new")
        os.mkdir(staging)
        committed = False
        try:
            names = fill(staging)
            _write_manifest(staging, {self.owner: {n: [sha256_of(staging / n)] for n in names}})
            if not self.path.exists():
                if not _renameat2(staging, self.path, _RENAME_NOREPLACE):
                    os.rename(staging, self.path)  # without renameat2: an empty folder made meanwhile is replaced
                committed = True
            elif _renameat2(staging, self.path, _RENAME_EXCHANGE):
                committed = True
                _remove_written(staging)  # it now holds the previous files
            else:
                old = self._staging(self.path.parent, "old")
                os.rename(self.path, old)
                os.rename(staging, self.path)  # killed between these two renames: the next run puts `old` back
                committed = True
                _remove_written(old)
        finally:
            if not committed:
                shutil.rmtree(staging, ignore_errors=True)
        return [self.path / n for n in names]

    def _file_by_file(self, fill: Callable[[Path], list[str]], *, replace: bool) -> list[Path]:
        staging = self._staging(self.path, "new")
        os.mkdir(staging)
        try:
            names = fill(staging)
            self.check(names)
            manifest, _ = self._inspect()
            previous = manifest.get(self.owner, {})
            new: dict[str, list[str | None]] = {n: [sha256_of(staging / n)] for n in names}
            during = {n: sorted(set(previous.get(n, [])) | set(new.get(n, [])), key=str) for n in {*previous, *new}}
            _write_manifest(self.path, {**manifest, self.owner: during})  # either version of a file is capopt's
            for name in names:
                os.replace(staging / name, self.path / name)
            kept: dict[str, list[str | None]] = {}
            for name in previous:
                if name in new:
                    continue
                if replace and _written(self.path, manifest, self.owner, name):
                    (self.path / name).unlink()
                elif not replace:
                    kept[name] = previous[name]
            _write_manifest(self.path, {**manifest, self.owner: {**kept, **new}})
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return [self.path / n for n in names]
