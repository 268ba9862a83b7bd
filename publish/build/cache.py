"""The build cache: what a stage made, kept under a hash of everything it read.

A stage's key hashes its inputs (the book, the facts it reads, its settings) together
with what every stage depends on: the code and templates of this package, the style
sheets, the fonts, the installed libraries and SOURCE_DATE_EPOCH. A stage whose key is
found is not run; its files and facts are read back instead. Nothing here decides
whether an output is right: a cached output is byte for byte what the stage made.

An entry is a folder (`<stage>/<key>/`: `facts.json`, with each file's SHA-256, and the
files), written under a temporary name and renamed into place, so a killed build leaves
no half entry; an entry that cannot be read, or whose files do not match their hashes,
is a miss. Each stage keeps its few newest entries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from publish.resources import PACKAGE
from publish.stage import F, Facts, Output

# The name of a file a stage makes: no folder, no hidden name (`seven-letters.pdf`).
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KEEP = 4  # entries kept per stage: enough to undo an edit, or switch profile, and back


def digest(*parts: object) -> str:
    """A hash of `parts`: bytes as they are, anything else as its JSON."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(
            part, sort_keys=True, ensure_ascii=False, default=str).encode()
        hashed.update(len(data).to_bytes(8, "big") + data)
    return hashed.hexdigest()


def tree_digest(folder: Path) -> str | None:
    """A hash of every file under `folder` (publish's own code, styles and fonts), by
    relative path; None when the folder cannot be read whole (a file that cannot be
    read, a folder gone while it is read).

    A link is hashed as where it resolves (inside `folder`, the file there is hashed in
    its own right) and never read through."""
    hashed = hashlib.sha256()
    root = folder.resolve()
    try:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if "__pycache__" in relative.parts:  # Python's own, rewritten as it likes
                continue
            name = relative.as_posix().encode()
            if path.is_symlink():
                hashed.update(b"L" + name + b"\0" + _leads_to(path, root).encode() + b"\0")
            elif path.is_file():
                hashed.update(b"F" + name + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None
    return hashed.hexdigest()


def _leads_to(link: Path, root: Path) -> str:
    try:
        target = link.resolve()
    except RuntimeError:  # a loop of links
        return f"loop:{os.readlink(link)}"
    if target.is_relative_to(root):
        return target.relative_to(root).as_posix()
    return f"outside:{os.readlink(link)}"


@functools.cache
def libraries() -> str:
    """The installed distributions and their versions, as their metadata folders are named
    (`weasyprint-70.0.dist-info`): a listing, where importlib.metadata reads each one."""
    return digest(sorted(entry.name for folder in map(Path, sys.path) if folder.is_dir()
                         for entry in folder.iterdir()
                         if entry.suffix in (".dist-info", ".egg-info")))


KEY_BYTES = 32


def key_file() -> Path:
    """Where this user's cache key is kept: `$XDG_CACHE_HOME/publish/cache-key`."""
    # A relative XDG_CACHE_HOME is to be ignored (the XDG base directory rules): it would
    # put the key wherever the build happens to be run.
    home = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(home):
        home = str(Path.home() / ".cache")
    return Path(home) / "publish" / "cache-key"


@functools.cache
def machine_key() -> bytes:
    """The key that signs this user's cache entries: random, made once and kept (readable
    by this user only). Where it cannot be kept, a key for this process alone: the cache
    then serves only this process (`publish watch`), and every entry it finds is a miss."""
    path = key_file()
    with contextlib.suppress(OSError):
        return _read_key(path)
    try:
        if not path.parent.parent.parent.is_dir():
            raise OSError("no home to keep the key in")  # never made where none is
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written whole under a name of its own, then linked into place: two builds that
        # start at once both end with the one key that won, never with half of one.
        temporary = path.parent / f".cache-key.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                             0o600)
        try:
            with open(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return _read_key(path)
    except OSError:
        return secrets.token_bytes(KEY_BYTES)


def _read_key(path: Path) -> bytes:
    key = _read(path, KEY_BYTES)
    if len(key) != KEY_BYTES:
        raise OSError(f"{path} is not a key")
    return key


FACTS_LIMIT = 1 << 28  # a stage's facts: the page map of a very long book is a few MB


def _read(path: Path, limit: int | None = None) -> bytes:
    """A file of the cache: a regular file (a FIFO planted here would hang the build), not
    reached through a link, at most `limit` bytes."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path} is not a file")
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise OSError(f"{path} is too large")
    return data


def signature_of(stage: str, key: str, stored: bytes) -> str:
    """What signs an entry: its stage, its key and its facts.json (which holds the hash of
    each of its files), so no part of it can be swapped for another's."""
    return hmac.new(machine_key(), b"\0".join((stage.encode(), key.encode(), stored)),
                    hashlib.sha256).hexdigest()


class Cache:
    """Stage outputs under `folder`; `Cache(None)` keeps nothing and finds nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.reused: list[str] = []  # the stages this build did not run

    def _own(self, *parts: str) -> Path | None:
        """The cache's folder `parts` (a stage, an entry, its files), where every step from
        the cache's root is a folder of its own and not a symbolic link: the cache is never
        read, written or pruned through a link (one planted in it could lead anywhere)."""
        if self.folder is None:
            return None
        path = self.folder
        for part in ("", *parts):
            path = path / part if part else path
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                return None
        return path

    def get(self, stage: str, key: str, kind: type[F]) -> Output[F] | None:
        """The files and facts (of type `kind`) a stage made under `key`."""
        entry = self._own(stage, key)
        stored_files = self._own(stage, key, "files")
        if entry is None or stored_files is None:
            return None
        try:
            signature = _read(entry / "signature", 64).decode("ascii")
            raw = _read(entry / "facts.json", FACTS_LIMIT)
            if not hmac.compare_digest(signature, signature_of(stage, key, raw)):
                return None  # not made by this machine's builds: never trusted
            stored = json.loads(raw)
            facts = _adapter(kind).validate_python(stored["facts"])
            names = list(stored["files"])
            if not all(isinstance(n, str) and _PLAIN_NAME.match(n) for n in names) or any(
                    (stored_files / n).is_symlink() for n in names):
                return None  # a name no stage writes: `a/../../x` would lead out of dist/
            files = {name: _read(stored_files / name) for name in names}
            if any(hashlib.sha256(data).hexdigest() != stored["files"][name]
                   for name, data in files.items()):
                return None  # cut short (a machine that stopped before writing it out)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
            return None  # absent, or damaged: made again
        if not isinstance(facts, kind):
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # the newest are kept
        self.reused.append(stage)
        return Output(files, facts)

    def put(self, stage: str, key: str, output: Output[Facts]) -> None:
        """Keep what a stage made. A cache that cannot be written is no cache: the build
        goes on without it."""
        folder = self._own(stage)
        if folder is None:
            return
        temporary = folder / f".{key}.{os.getpid()}.tmp"
        try:
            shutil.rmtree(temporary, ignore_errors=True)
            (temporary / "files").mkdir(parents=True)
            for name, data in output.files.items():
                (temporary / "files" / name).write_bytes(data)
            stored = {"files": {name: hashlib.sha256(data).hexdigest()
                                for name, data in sorted(output.files.items())},
                      "facts": _adapter(type(output.facts)).dump_python(
                          output.facts, mode="json")}
            raw = json.dumps(stored).encode()
            (temporary / "facts.json").write_bytes(raw)
            (temporary / "signature").write_text(signature_of(stage, key, raw), encoding="ascii")
            if (folder / key).is_symlink():
                (folder / key).unlink()  # removed, never followed
            shutil.rmtree(folder / key, ignore_errors=True)
            os.replace(temporary, folder / key)
            self._prune(folder)
        except OSError:
            shutil.rmtree(temporary, ignore_errors=True)

    @staticmethod
    def _prune(folder: Path) -> None:
        """Keep the KEEP newest entries, and no temporary folder: the build holds the lock
        of its output folder, whose cache this is, so one left here was left by a build
        that was killed."""
        # Entries are this cache's own folders; a link found here is removed, never followed.
        for link in [p for p in folder.iterdir() if p.is_symlink()]:
            link.unlink()
        entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        left = [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(
            ".tmp") and not p.name.endswith(f".{os.getpid()}.tmp")]
        for old in entries[KEEP:] + left:
            shutil.rmtree(old, ignore_errors=True)


def _adapter(kind: type[F]) -> TypeAdapter[F]:
    """How facts of type `kind` (a frozen dataclass) become JSON and back."""
    return TypeAdapter(kind)


def common_key(folders: Iterable[Path], *settings: object) -> str:
    """What every stage depends on: this package, the given folders (style sheets, fonts)
    and the installed libraries, with the build's settings."""
    return digest(tree_digest(PACKAGE), *(tree_digest(f) for f in folders), libraries(),
                  *settings)
