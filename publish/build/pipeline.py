"""The whole pipeline: source -> model -> HTML -> editions -> files in `dist/`.

Each writer (`publish/stage.py`) runs through the cache, in order, and hands its facts on
by type. Nothing reaches `dist/` until every writer has succeeded and every print file
passed the preflight; then `output.py` writes the files atomically, under a lock.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish.build.cache import Cache, common_key, digest
from publish.build.output import environment_error, locked, publish_files
from publish.checks.preflight import preflight
from publish.editions.cover import CoverWriter
from publish.editions.epub import EpubWriter
from publish.editions.pdf import PdfWriter
from publish.errors import CODES, EnvironmentProblem, OutputError, UsageError
from publish.layout.interior import Interior, LayoutWriter
from publish.records.marc import MarcWriter
from publish.records.onix import OnixWriter
from publish.resources import FONTS, STYLES
from publish.source.figures import coarse
from publish.source.fonts import check_coverage, shipped_faces
from publish.source.load import load_book
from publish.source.model import Book, mm
from publish.source.services import ALIASES, SERVICE_NAMES, canonical
from publish.stage import Facts, Job, Output, Profile, Writer

# The writers, in the order they run: the other editions read the interior's layout; the
# catalogue records describe both built editions, so they come last. The interior is laid
# out by the PDF's writer where the PDF is asked for, else by the layout alone.
WRITERS: tuple[type[Writer], ...] = (PdfWriter, CoverWriter, EpubWriter, MarcWriter,
                                     OnixWriter)
ORDER = [f for w in WRITERS for f in w.formats]  # the formats, `publish build --format`

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Summary(Facts):
    """What a build returns beside its files (and the whole-build cache keeps)."""

    pages: int | None = None  # the interior's page count, where it was laid out


@dataclass(frozen=True)
class Built:
    files: dict[str, Path]
    summary: Summary
    reused: list[str] = field(default_factory=list)  # stages read from the cache, not run
    warnings: list[str] = field(default_factory=list)  # what the source may want changed


def cache_folder(out: Path) -> Path:
    """Where the build keeps its cache: beside `out`, not in it, like its lock."""
    return out.parent / f".{out.name}.cache"


def build(source: Path, out: Path, formats: Sequence[str] = ORDER, profile: Profile = "kdp",
          progress: Progress | None = None, fonts: Path = FONTS, cache: bool = True) -> Built:
    """Build the book in `source` into `out`; raise PublishError on any problem.
    `fonts`: the folder holding fonts.yaml and the faces it lists (tests point it at a
    broken copy). `cache`: reuse what an earlier build made from the same inputs."""
    say = progress or (lambda stage: None)
    if profile not in (*SERVICE_NAMES, *ALIASES):
        raise UsageError("U-SERVICE", f"unknown print service: {profile}",
                         f"choose from {', '.join(SERVICE_NAMES)}")
    unknown = [f for f in formats if f not in ORDER]
    if unknown:
        raise UsageError("U-FORMAT", f"unknown format: {', '.join(unknown)}",
                         f"choose from {', '.join(ORDER)}")
    asked = set(formats)
    writers = plan(asked)
    # The folder itself, whatever name it is given (a link to it): one lock, one cache.
    named, out = out, _resolved(out)
    say("Reading the source")
    book = load_book(source)
    _not_the_source(source, named, out)
    faces = shipped_faces(fonts)
    check_coverage(book, faces)
    _not_among_the_texts(book, out)
    epoch = source_date_epoch(book)
    job = Job(book=book, faces=faces, epoch=epoch, profile=canonical(profile))
    try:
        with locked(out), _epoch_set(epoch):
            built = _build(job, out, asked, writers, say, fonts, cache)
    except OSError as error:  # the machine's fault (a full disk), never the source's
        raise environment_error(error) from None
    built.warnings.extend(w for part in book.parts for f in part.figures
                          if (w := coarse(f, part.source)))
    if job.service.barcode.required and not book.meta.isbn.print and "cover" in asked:
        built.warnings.append(f"book.yaml: {job.service.name} takes no cover without the "
                              "ISBN's barcode: give the print edition's ISBN (isbn: {print: "
                              "...}), and the back cover prints it")
    return built


def _build(job: Job, out: Path, asked: set[str], writers: list[Writer], say: Progress,
           fonts: Path, cache: bool) -> Built:
    """The build under the lock: the source is read and checked, nothing is written yet."""
    store = Cache(cache_folder(out) if cache else None)
    common = common_key([STYLES, fonts], job.epoch, job.profile)
    # An unchanged book and settings: the files of the last such build, as they were. The
    # book as loaded is all the build reads of its folder (no other file there is read,
    # however large), so it is the key.
    whole = digest(common, job.book.model_dump_json(), sorted(asked))
    found = store.get("build", whole, Summary)
    if found is not None:
        say("Publishing")
        return Built(publish_files(out, found.files), found.facts, store.reused)
    files: dict[str, bytes] = {}  # to publish, in the order they were made
    for writer in writers:
        output = _run(writer, job, store, common, say)
        if asked.intersection(writer.formats):
            files.update(output.files)
    say("Checking the print files")
    preflight_all(job, store, common, set(files))
    pages = [f.pages for f in job.facts() if isinstance(f, Interior)]
    summary = Summary(pages[0] if pages else None)
    store.put("build", whole, Output(files, summary))
    say("Publishing")
    return Built(publish_files(out, files), summary, store.reused)


def _resolved(out: Path) -> Path:
    try:
        if out.is_symlink() and not out.exists():
            raise EnvironmentProblem("E-OUT-NOT-FOLDER", f"the output folder {out} is a link "
                                     f"to {os.readlink(out)}, which does not exist",
                                     "remove the link, or make the folder it names")
        return out.resolve()
    except OSError as error:  # a name too long
        raise environment_error(error) from None
    except RuntimeError:  # Python 3.11's word for a loop of links
        raise EnvironmentProblem("E-OUT-NOT-FOLDER", f"the output folder {out} is a loop of "
                                 "symbolic links", "remove the links, or build elsewhere "
                                 "with -o") from None


def _not_the_source(source: Path, named: Path, out: Path) -> None:
    """The output folder is a folder of its own: not the book's folder, nor one holding
    it (the build would write its editions among the sources, and a later build would
    read them as part of the book); and, named inside the book's folder, not a link that
    leads out of it (a book sent with `dist -> /somewhere` would have the build write
    there)."""
    root = source.resolve()
    if out == root or root.is_relative_to(out):
        raise UsageError("U-OUT-SOURCE", f"the output folder {out} "
                         f"{'is' if out == root else 'holds'} the book's folder {root}",
                         "build into a folder of its own, e.g. -o dist")
    lexical = Path(os.path.abspath(named))
    if lexical.is_relative_to(os.path.abspath(source)) and not out.is_relative_to(root):
        raise UsageError("U-OUT-SOURCE", f"the output folder {named} lies in the book's "
                         f"folder but is a link that leads out of it (to {out})",
                         "build into a folder of its own outside the book's, e.g. -o dist")


def _not_among_the_texts(book: Book, out: Path) -> None:
    """Nor a folder among the text files: one of the folders holding them (but the book's
    own folder, where `dist/` may lie beside book.yaml)."""
    root = Path(book.root)
    texts = {(root / name).resolve().parent for name, _ in book.meta.files} - {root}
    inside = sorted(folder for folder in texts if out.is_relative_to(folder))
    if inside:
        raise UsageError("U-OUT-SOURCE", f"the output folder {out} lies among the book's text "
                         f"files (in {inside[0]})", "build into a folder of its own, e.g. -o "
                         "dist beside book.yaml")


def plan(asked: set[str]) -> list[Writer]:
    """The writers of the formats asked for, with the writers of the facts they need (and
    of the facts those need), in the order they run."""
    chosen: list[type[Writer]] = [w for w in WRITERS if asked.intersection(w.formats)]
    makers = {w.makes: w for w in reversed(WRITERS)}  # the first writer of each type
    if "pdf" not in asked:
        makers[Interior] = LayoutWriter  # the interior laid out, but no PDF written
    while more := {makers[need] for w in chosen for need in w.needs} - set(chosen):
        chosen += more
    position = {w: i for i, w in enumerate((LayoutWriter, *WRITERS))}
    return [w() for w in sorted(set(chosen), key=position.__getitem__)]


def _run(writer: Writer, job: Job, store: Cache, common: str, say: Progress) -> Output[Facts]:
    """Run one writer, or read what it made from the same inputs from the cache; either
    way its files and facts join the job's."""
    key = digest(common, writer.name, *writer.inputs(job))
    output = store.get(writer.name, key, writer.makes)
    what = "the interior's layout" if writer.name == "layout" else f"the {writer.name.upper()}"
    if output is None:
        say("Laying out the interior" if writer.name == "layout" else f"Writing {what}")
        output = writer.write(job)
        store.put(writer.name, key, output)
    else:
        say(f"Reusing {what}")
    job.add(output)
    return output


SERVICE_RULES = {"P-PAGE-COUNT", "P-GUTTER", "P-STANDARD"}  # met by changing the book


def preflight_all(job: Job, store: Cache, common: str, published: set[str]) -> None:
    """Preflight every print file to be published; the first error stops the build. A file
    that passed before, with the same geometry, is not read again."""
    asked = [p for facts in job.facts() for p in facts.print_files() if p.file in published]
    with tempfile.TemporaryDirectory() as folder:
        for geometry in asked:
            name = geometry.file
            key = digest(common, job.file(name), geometry)
            if store.get("preflight", key, Summary) is not None:
                continue
            path = Path(folder) / name
            path.write_bytes(job.file(name))
            errors = [f for f in preflight(path, trim_mm=geometry.trim_mm,
                                           bleed_mm=geometry.bleed_mm,
                                           black_text=geometry.black_text,
                                           service=job.service, cover=geometry.cover,
                                           panel_mm=mm(job.book.meta.print.trim_width))
                      if f.severity == "error"]
            if errors:
                # A print service's rule the book cannot meet (too long, a margin too narrow
                # for its binding) says what to change; anything else is a fault of ours.
                code = errors[0].code
                fix = CODES[code].fix if code in SERVICE_RULES else (
                    "report it: the print style sheets made a file a printer would reject")
                raise OutputError("O-PREFLIGHT", f"{name} fails the print preflight: {errors[0]}"
                                  + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                                  fix)
            store.put("preflight", key, Output({}, Summary()))


# The dates a build can write: the EPUB's zip holds none before 1980 (it writes 1980 for
# earlier ones) and none after 2107.
LATEST = 4354819199  # 2107-12-31T23:59:59Z


def source_date_epoch(book: Book) -> int:
    """SOURCE_DATE_EPOCH if set, else the time of the newest file the book was read from."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not None:
        try:
            epoch = int(value)
        except ValueError:
            raise UsageError("U-EPOCH", f"SOURCE_DATE_EPOCH is not a number: {value!r}",
                             "set it to seconds since 1970, e.g. $(git log -1 --format=%ct)",
                             ) from None
        if not 0 <= epoch <= LATEST:
            raise EnvironmentProblem("E-DATE", f"SOURCE_DATE_EPOCH={value} is outside "
                                     "1970-2107, the dates an EPUB can hold",
                                     "set it to a date in range, e.g. $(git log -1 "
                                     "--format=%ct), or unset it")
        return epoch
    root = Path(book.root)
    # lstat: a link's own time, not that of a file it may point to.
    names = ["book.yaml", *(name for name, _ in book.meta.files)]
    times = {name: (root / name).lstat().st_mtime for name in names}
    newest = max(times, key=times.__getitem__)
    if not 0 <= times[newest] <= LATEST:
        raise EnvironmentProblem("E-DATE", f"{root.name}/{newest} is dated outside 1970-2107 "
                                 "(its modification time), the dates an EPUB can hold",
                                 f"touch {root.name}/{newest}, or set SOURCE_DATE_EPOCH")
    return int(times[newest])


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


