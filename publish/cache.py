"""The build cache: what a stage made, kept under a hash of everything it read.

A stage's key hashes its inputs (the book, the facts it reads, its settings) together
with what every stage depends on: the code and templates of this package, the style
sheets, the fonts, the installed libraries and SOURCE_DATE_EPOCH. A stage whose key is
found is not run; its files and facts are read back instead. Nothing here decides
whether an output is right: a cached output is byte for byte what the stage made.

An entry is a folder (`<stage>/<key>/`: `facts.json` and the files), written under a
temporary name and renamed into place, so a killed build leaves no half entry; an entry
that cannot be read is a miss. Each stage keeps its few newest entries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

PACKAGE = Path(__file__).resolve().parent
KEEP = 4  # entries kept per stage: enough to undo an edit, or switch profile, and back
_BYTES = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


def digest(*parts: object) -> str:
    """A hash of `parts`: bytes as they are, anything else as its JSON."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(
            part, sort_keys=True, ensure_ascii=False, default=str).encode()
        hashed.update(len(data).to_bytes(8, "big") + data)
    return hashed.hexdigest()


def tree_digest(folder: Path, skip: Iterable[Path] = ()) -> str:
    """A hash of every file under `folder`, by relative path, leaving out the folders in
    `skip` (a build's own output, should it lie inside its source). A link is hashed as
    where it points, never read through: a source may link outside its folder, and the
    build refuses that with a clear error, so its content must not be read here either."""
    hashed = hashlib.sha256()
    skipped = [path.resolve() for path in skip]
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:  # Python's own, rewritten as it likes
            continue
        if any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        name = path.relative_to(folder).as_posix().encode()
        if path.is_symlink():
            hashed.update(b"L" + name + b"\0" + os.readlink(path).encode() + b"\0")
        elif path.is_file():
            hashed.update(b"F" + name + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return hashed.hexdigest()


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

    def get(self, stage: str, key: str, facts: Mapping[str, Any]
            ) -> tuple[dict[str, bytes], dict[str, Any]] | None:
        """The files and facts a stage made under `key`; `facts` names each fact's type."""
        if self.folder is None:
            return None
        entry = self.folder / stage / key
        try:
            stored = json.loads((entry / "facts.json").read_bytes())
            read = {name: _adapter(facts[name]).validate_python(value)
                    for name, value in stored["facts"].items()}
            files = {name: (entry / "files" / name).read_bytes() for name in stored["files"]}
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None  # absent, or damaged: made again
        with contextlib.suppress(OSError):
            os.utime(entry)  # the newest are kept
        self.reused.append(stage)
        return files, read

    def put(self, stage: str, key: str, files: Mapping[str, bytes],
            facts: Mapping[str, Any], types: Mapping[str, Any]) -> None:
        """Keep what a stage made. A cache that cannot be written is no cache: the build
        goes on without it."""
        if self.folder is None:
            return
        folder = self.folder / stage
        temporary = folder / f".{key}.{os.getpid()}.tmp"
        try:
            shutil.rmtree(temporary, ignore_errors=True)
            (temporary / "files").mkdir(parents=True)
            for name, data in files.items():
                (temporary / "files" / name).write_bytes(data)
            stored = {"files": sorted(files), "facts": {
                name: _adapter(types[name]).dump_python(value, mode="json")
                for name, value in facts.items()}}
            (temporary / "facts.json").write_text(json.dumps(stored), encoding="utf-8")
            shutil.rmtree(folder / key, ignore_errors=True)
            os.replace(temporary, folder / key)
            self._prune(folder)
        except OSError:
            shutil.rmtree(temporary, ignore_errors=True)

    @staticmethod
    def _prune(folder: Path) -> None:
        entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind, config=_BYTES) if kind is bytes else TypeAdapter(kind)


def common_key(folders: Iterable[Path], *settings: object) -> str:
    """What every stage depends on: this package, the given folders (style sheets, fonts)
    and the installed libraries, with the build's settings."""
    return digest(tree_digest(PACKAGE), *(tree_digest(f) for f in folders), libraries(),
                  *settings)
