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
import json
import os
import re
import shutil
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


def tree_digest(folder: Path, skip: Iterable[Path] = ()) -> str | None:
    """A hash of every file under `folder`, by relative path, leaving out the folders in
    `skip` (a build's own output, should it lie inside its source); None when the folder
    cannot be read whole (a file that cannot be read, a folder gone while it is read).

    A link is hashed as where it resolves (inside `folder`, the file there is hashed in
    its own right) and never read through: a link that leads out of the folder is hashed
    as such, so a copied book whose link now leads out is not taken for the old one (the
    loader refuses it)."""
    hashed = hashlib.sha256()
    root = folder.resolve()
    skipped = [path.resolve() for path in skip]
    try:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if "__pycache__" in relative.parts:  # Python's own, rewritten as it likes
                continue
            if any((path.parent.resolve() / path.name).is_relative_to(s) for s in skipped):
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
            stored = json.loads((entry / "facts.json").read_bytes())
            facts = _adapter(kind).validate_python(stored["facts"])
            names = list(stored["files"])
            if not all(isinstance(n, str) and _PLAIN_NAME.match(n) for n in names) or any(
                    (stored_files / n).is_symlink() for n in names):
                return None  # a name no stage writes: `a/../../x` would lead out of dist/
            files = {name: (stored_files / name).read_bytes() for name in names}
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
            (temporary / "facts.json").write_text(json.dumps(stored), encoding="utf-8")
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
