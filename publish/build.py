"""The whole pipeline: source -> model -> HTML -> editions -> files in `dist/`.

Nothing reaches `dist/` until every writer has succeeded; then each file is written
under a temporary name and renamed into place, under a lock, so a failed or killed
build leaves the last good files as they were and two builds never interleave.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import Cache, common_key, digest, tree_digest
from .checks.preflight import preflight
from .errors import OutputError, PublishError
from .fonts import FONTS, check_coverage, shipped_faces
from .load import load_book
from .writers import STYLES, Job, PrintGeometry, Profile, Writer
from .writers.cover import CoverWriter
from .writers.epub import EpubWriter
from .writers.layout import LayoutWriter
from .writers.marc import MarcWriter
from .writers.onix import OnixWriter
from .writers.pdf import PdfWriter

WRITERS: dict[str, type[Writer]] = {w.format: w for w in (
    LayoutWriter, PdfWriter, CoverWriter, EpubWriter, MarcWriter, OnixWriter)}
# The formats, in the order they are made: the other editions read the interior's layout;
# the catalogue records describe both built editions, so they come last.
ORDER = ["pdf", "cover", "epub", "marc", "onix"]
STAGES = ["layout", *ORDER]  # the layout is a stage every format needs, and no file

Progress = Callable[[str], None]
_SCALARS: dict[str, Any] = {"print.pages": int}  # the facts a build returns


@dataclass(frozen=True)
class Built:
    files: dict[str, Path]
    facts: dict[str, object]
    reused: list[str] = field(default_factory=list)  # stages read from the cache, not run


def cache_folder(out: Path) -> Path:
    """Where the build keeps its cache: beside `out`, not in it, like its lock."""
    return out.parent / f".{out.name}.cache"


def build(source: Path, out: Path, formats: Sequence[str] = ORDER, profile: Profile = "pod",
          progress: Progress | None = None, fonts: Path = FONTS, cache: bool = True) -> Built:
    """Build the book in `source` into `out`; raise PublishError on any problem.
    `fonts`: the folder holding fonts.yaml and the faces it lists (tests point it at a
    broken copy). `cache`: reuse what an earlier build made from the same inputs."""
    say = progress or (lambda stage: None)
    unknown = [f for f in formats if f not in ORDER]
    if unknown:
        raise PublishError("U-FORMAT", f"unknown format: {', '.join(unknown)}",
                           f"choose from {', '.join(ORDER)}")
    # A writer that reads another's facts brings it along (the cover needs the page count);
    # only the files of the formats asked for are published.
    asked = set(formats)
    run = [f for f in STAGES if f in _with_needs(asked)]
    epoch = source_date_epoch(source)
    with _epoch_set(epoch), _locked(out):
        store = Cache(cache_folder(out) if cache else None)
        common = common_key([STYLES, fonts], epoch, profile)
        # An unchanged source and settings: the files of the last such build, as they were.
        tree = tree_digest(source, _outputs_in(source, out)) if cache else None
        whole = digest(common, tree, sorted(asked)) if tree else None
        found = store.get("build", whole, _SCALARS) if whole else None
        if found is not None:
            say("Publishing")
            return Built(publish_files(out, found[0]), found[1], store.reused)
        say("Reading the source")
        book = load_book(source)
        faces = shipped_faces(fonts)
        check_coverage(book, faces)
        job = Job(book=book, faces=faces, epoch=epoch, profile=profile, cache=store,
                  common=common, stages=run)
        wanted: set[str] = set()
        for name in run:
            written = _run(WRITERS[name](), job, say)
            if name in asked:
                wanted.update(written)
        say("Checking the print files")
        preflight_all(job, wanted)
        files = {k: v for k, v in job.files.items() if k in wanted}
        facts: dict[str, object] = {k: job.facts[k] for k in _SCALARS if k in job.facts}
        if whole:
            store.put("build", whole, files, facts, _SCALARS)
        say("Publishing")
        return Built(publish_files(out, files), facts, store.reused)


def _outputs_in(source: Path, out: Path) -> list[Path]:
    """What the build itself writes inside the source, left out of the source's hash: the
    output folder and its cache when they lie inside it. An output folder that is the
    source, or holds it, is not left out (that would leave out the whole book): its
    published files are then part of the hash, and an unchanged book is rebuilt from the
    stages' cache instead."""
    inside = [cache_folder(out), out.parent / f".{out.name}.lock"]
    if out.resolve() != source.resolve() and out.resolve().is_relative_to(source.resolve()):
        inside.append(out)
    return inside


def _with_needs(formats: set[str]) -> set[str]:
    """The formats, the formats they need, the formats those need, ..."""
    needed = set(formats)
    while more := {n for f in needed for n in WRITERS[f].needs} - needed:
        needed |= more
    return needed


def _run(writer: Writer, job: Job, say: Progress) -> dict[str, bytes]:
    """Run one writer, or read what it made from the same inputs from the cache; either
    way its files and facts join the job's."""
    key = digest(job.common, writer.format, *writer.inputs(job))
    found = job.cache.get(writer.format, key, writer.facts)
    if found is None:
        say("Laying out the interior" if writer.format == "layout"
            else f"Writing the {writer.format.upper()}")
        before = set(job.facts)
        files = writer.write(job)
        made = {k: v for k, v in job.facts.items() if k not in before}
        job.cache.put(writer.format, key, files, made, writer.facts)
    else:
        say("Reusing the interior's layout" if writer.format == "layout"
            else f"Reusing the {writer.format.upper()}")
        files, made = found
    job.files.update(files)
    job.facts.update(made)
    return files


def preflight_all(job: Job, published: set[str]) -> None:
    """Preflight every print file to be published; the first error stops the build. A file
    that passed before, with the same geometry, is not read again."""
    asked = [g for g in job.facts.values() if isinstance(g, PrintGeometry)]
    with tempfile.TemporaryDirectory() as folder:
        for geometry in asked:
            name = geometry.file
            if name not in published:
                continue
            key = digest(job.common, job.files[name], geometry)
            if job.cache.get("preflight", key, {}) is not None:
                continue
            path = Path(folder) / name
            path.write_bytes(job.files[name])
            errors = [f for f in preflight(path, trim_mm=geometry.trim_mm,
                                           bleed_mm=geometry.bleed_mm,
                                           black_text=geometry.black_text)
                      if f.severity == "error"]
            if errors:
                raise OutputError("O-PREFLIGHT", f"{name} fails the print preflight: {errors[0]}"
                                  + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                                  "report it: the print style sheets made a file a printer "
                                  "would reject")
            job.cache.put("preflight", key, {}, {}, {})


def source_date_epoch(source: Path) -> int:
    """SOURCE_DATE_EPOCH if set, else the time of the newest file of the source."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not None:
        try:
            return int(value)
        except ValueError:
            raise PublishError("U-EPOCH", f"SOURCE_DATE_EPOCH is not a number: {value!r}",
                               "set it to seconds since 1970, e.g. $(git log -1 --format=%ct)",
                               ) from None
    # lstat: a link's own time, not that of a file it may point to outside the source.
    times = [p.lstat().st_mtime for p in source.rglob("*") if p.is_file() or p.is_symlink()]
    return int(max(times, default=0))


# What publish_files names its temporary files: `.<name>.<pid>.tmp`.
_TEMPORARY = re.compile(r"^\..+\.[0-9]+\.tmp$")


def publish_files(out: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write every file under a temporary name, then rename them all into place.

    Called under the lock, so a temporary file already there was left by a build that
    died (killed, or the machine stopped): it is removed first. Each one is created
    anew (`x`), never opened through a name that something else put there."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.iterdir():
        if _TEMPORARY.match(stale.name):
            stale.unlink(missing_ok=True)
    written: dict[str, Path] = {}
    temporary = []
    try:
        for name, data in files.items():
            temp = out / f".{name}.{os.getpid()}.tmp"
            with open(temp, "xb") as handle:
                temporary.append((temp, out / name))
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, final in temporary:
            os.replace(temp, final)
            written[final.name] = final
    finally:
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)
    return written


@contextlib.contextmanager
def _epoch_set(epoch: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH for this build only: WeasyPrint reads it from the environment to
    date its font subsets; left set, every later build in the process (watch) would be
    dated by this one."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold a lock beside `out` (not in it, so a failed build adds nothing to it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: the lock file is never a link to some other file, which "w" would empty.
    descriptor = os.open(out.parent / f".{out.name}.lock",
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with open(descriptor, "r+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError("U-BUSY", f"another build is writing into {out}",
                               "wait for it to finish, or build into another folder") from None
        yield
