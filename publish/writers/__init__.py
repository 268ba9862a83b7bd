"""Each stage of the build is a writer behind one small interface: the interior's layout
(which writes no file), and one writer per output (PDF, cover, EPUB, MARC, ONIX).

A writer declares its own settings as class attributes (the stages it needs, the facts
it adds, and `inputs`: what its cache key hashes), reads the job (the book, its
renderings, what earlier writers produced) and returns its files as bytes, keyed by
name. It writes nothing itself: the build writes every file atomically, so a failed
build leaves the last good `dist/` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from ..cache import Cache
from ..render import render

if TYPE_CHECKING:
    from weasyprint import Document

    from ..fonts import Face
    from ..markup import Body
    from ..model import Book
    from ..render import EditionKind, Rendering

PROJECT = Path(__file__).resolve().parent.parent.parent
STYLES = PROJECT / "styles"
Profile = Literal["pod", "press"]


@dataclass
class Job:
    """What a build knows: the book, its settings, and what the writers made so far."""

    book: Book
    faces: list[Face]
    epoch: int  # SOURCE_DATE_EPOCH: every date in every file comes from it
    profile: Profile = "pod"
    cache: Cache = field(default_factory=lambda: Cache(None))
    common: str = ""  # the part of every cache key that all stages share (see cache.py)
    stages: list[str] = field(default_factory=list)  # the stages this build runs
    files: dict[str, bytes] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # e.g. the interior's page count
    _renderings: dict[str, Rendering] = field(default_factory=dict, repr=False)
    _bodies: dict[str, Body] = field(default_factory=dict, repr=False)
    # The interior as laid out by this build, for the PDF to be written from; never cached
    document: Document | None = field(default=None, repr=False)

    def rendering(self, edition: EditionKind) -> Rendering:
        """The book rendered for `edition`, once per build, whichever writers read it."""
        if edition not in self._renderings:
            self._renderings[edition] = render(self.book, edition, self._bodies)
        return self._renderings[edition]

    def name(self, suffix: str) -> str:
        return f"{self.book.meta.slug}{suffix}"


@dataclass(frozen=True)
class PrintGeometry:
    """A print file the build preflights before publishing it (a writer's fact)."""

    file: str
    trim_mm: tuple[float, float]
    bleed_mm: float
    black_text: bool  # text in K only (an interior), or in colour (a cover)


class Writer(Protocol):
    format: ClassVar[str]  # the stage's name; `publish build --format` knows the outputs
    needs: ClassVar[tuple[str, ...]]  # the stages whose facts or files it reads
    facts: ClassVar[dict[str, Any]]  # the facts it adds to the job, and their types

    def inputs(self, job: Job) -> tuple[object, ...]:
        """Everything `write` reads beyond what every stage does (code, styles, fonts,
        libraries, SOURCE_DATE_EPOCH, profile): its cache key. Leave nothing out: what
        is not here does not make the stage run again."""
        ...

    def write(self, job: Job) -> dict[str, bytes]: ...
