"""Each stage of the build is a writer behind one small interface: the interior's layout
(with the PDF, when it is asked for), the cover, the EPUB, MARC and ONIX.

A writer declares its settings as class attributes: its `name`, the facts it `makes` (a
frozen dataclass) and the facts it `needs` (the types it reads, which name the writers it
needs), and `inputs`, what its cache key hashes. It reads the job (the book, its
renderings, the facts of earlier writers, by type) and returns an `Output`: its files as
bytes, keyed by name, and its facts. It writes nothing itself: the build writes every
file atomically, so a failed build leaves the last good `dist/` as it was, and the cache
stores and restores each writer's Output as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, Protocol, TypeVar

from publish.render.html import render
from publish.source.services import Service, service

if TYPE_CHECKING:
    from publish.render.html import EditionKind, Rendering
    from publish.source.fonts import Face
    from publish.source.model import Book

# The print service the print files are made for (source/services.py); `pod` is KDP's.
Profile = Literal["kdp", "ingramspark", "lulu", "press", "pod"]


@dataclass(frozen=True)
class PrintFile:
    """A print file the build preflights before publishing it."""

    file: str
    trim_mm: tuple[float, float]
    bleed_mm: float
    black_text: bool  # text in K only (an interior), or in colour (a cover)
    cover: bool = False  # the cover spread, which the service's cover rules apply to


@dataclass(frozen=True)
class Facts:
    """What a stage tells the later ones: a frozen dataclass of plain values, which the
    cache stores as JSON and reads back as the same type."""

    def print_files(self) -> tuple[PrintFile, ...]:
        """The print files among the stage's files, for the preflight."""
        return ()


@dataclass(frozen=True)
class NoFacts(Facts):
    """The facts of a stage that tells the later ones nothing (the records)."""


F = TypeVar("F", bound=Facts)
F_co = TypeVar("F_co", bound=Facts, covariant=True)


@dataclass(frozen=True)
class Output(Generic[F_co]):
    """What one writer made: its files, by name, and its facts."""

    files: dict[str, bytes]
    facts: F_co


@dataclass
class Job:
    """What a build knows: the book, its settings, and what the writers made so far."""

    book: Book
    faces: list[Face]
    epoch: int  # SOURCE_DATE_EPOCH: every date in every file comes from it
    profile: Profile = "kdp"
    _facts: dict[type[Facts], Facts] = field(default_factory=dict, repr=False)
    _files: dict[str, bytes] = field(default_factory=dict, repr=False)
    _renderings: dict[str, Rendering] = field(default_factory=dict, repr=False)
    _bodies: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def service(self) -> Service:
        """The rules of the print service the files are made for."""
        return service(self.profile)

    def add(self, output: Output[Facts]) -> None:
        self._facts[type(output.facts)] = output.facts
        self._files.update(output.files)

    def fact(self, kind: type[F]) -> F:
        """The facts of type `kind` an earlier writer made (a writer `needs` it)."""
        found = self._facts[kind]
        assert isinstance(found, kind)
        return found

    def facts(self) -> list[Facts]:
        return list(self._facts.values())

    def file(self, name: str) -> bytes:
        return self._files[name]

    def rendering(self, edition: EditionKind) -> Rendering:
        """The book rendered for `edition`, once per build, whichever writers read it."""
        if edition not in self._renderings:
            self._renderings[edition] = render(self.book, edition, self._bodies)
        return self._renderings[edition]

    def name(self, suffix: str) -> str:
        return f"{self.book.meta.slug}{suffix}"


class Writer(Protocol):
    name: ClassVar[str]  # the stage's name, in the cache and in progress messages
    formats: ClassVar[tuple[str, ...]]  # the formats of `publish build --format` it writes
    needs: ClassVar[tuple[type[Facts], ...]]  # the facts it reads: the writers it needs
    makes: ClassVar[type[Facts]]  # the type of the facts it returns

    def inputs(self, job: Job) -> tuple[object, ...]:
        """Everything `write` reads beyond what every stage does (code, styles, fonts,
        libraries, SOURCE_DATE_EPOCH, profile): its cache key. Leave nothing out: what
        is not here does not make the stage run again."""
        ...

    def write(self, job: Job) -> Output[Facts]: ...
