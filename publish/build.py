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
from dataclasses import dataclass
from pathlib import Path

from .checks.preflight import preflight
from .errors import OutputError, PublishError
from .fonts import FONTS, check_coverage, shipped_faces
from .load import load_book
from .writers import Job, PrintGeometry, Profile, Writer
from .writers.cover import CoverWriter
from .writers.epub import EpubWriter
from .writers.marc import MarcWriter
from .writers.onix import OnixWriter
from .writers.pdf import PdfWriter

WRITERS: dict[str, type[Writer]] = {w.format: w for w in (
    PdfWriter, CoverWriter, EpubWriter, MarcWriter, OnixWriter)}
# The PDF is laid out first: the other editions read its pages; the catalogue records
# describe both built editions, so they come last.
ORDER = ["pdf", "cover", "epub", "marc", "onix"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Built:
    files: dict[str, Path]
    facts: dict[str, object]


def build(source: Path, out: Path, formats: Sequence[str] = ORDER, profile: Profile = "pod",
          progress: Progress | None = None, fonts: Path = FONTS) -> Built:
    """Build the book in `source` into `out`; raise PublishError on any problem.
    `fonts`: the folder holding fonts.yaml and the faces it lists (tests point it at a
    broken copy)."""
    say = progress or (lambda stage: None)
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise PublishError("U-FORMAT", f"unknown format: {', '.join(unknown)}",
                           f"choose from {', '.join(ORDER)}")
    # A writer that reads another's facts brings it along (the cover needs the page count);
    # only the files of the formats asked for are published.
    asked = set(formats)
    run = [f for f in ORDER if f in asked or any(f in WRITERS[g].needs for g in asked)]
    epoch = source_date_epoch(source)
    with _epoch_set(epoch), _locked(out):
        say("Reading the source")
        book = load_book(source)
        faces = shipped_faces(fonts)
        check_coverage(book, faces)
        job = Job(book=book, faces=faces, epoch=epoch, profile=profile)
        wanted: set[str] = set()
        for name in run:
            say(f"Writing the {name.upper()}")
            written = WRITERS[name]().write(job)
            job.files.update(written)
            if name in asked:
                wanted.update(written)
        say("Checking the print files")
        preflight_all(job, wanted)
        say("Publishing")
        files = publish_files(out, {k: v for k, v in job.files.items() if k in wanted})
    facts: dict[str, object] = {k: v for k, v in job.facts.items()
                                if isinstance(v, (int, str, float))}
    return Built(files=files, facts=facts)


def preflight_all(job: Job, published: set[str]) -> None:
    """Preflight every print file to be published; the first error stops the build."""
    asked: dict[str, PrintGeometry] = job.facts.get("preflight", {})
    with tempfile.TemporaryDirectory() as folder:
        for name, geometry in asked.items():
            if name not in published:
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
