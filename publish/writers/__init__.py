"""Each output is a writer behind one small interface.

A writer declares its own settings as class attributes, reads the job (the book, its
renderings, what earlier writers produced) and returns its files as bytes, keyed by
name. It writes nothing itself: the build writes every file atomically, so a failed
build leaves the last good `dist/` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

if TYPE_CHECKING:
    from ..fonts import Face
    from ..model import Book

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
    files: dict[str, bytes] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # e.g. the PDF's page count

    def name(self, suffix: str) -> str:
        return f"{self.book.meta.slug}{suffix}"

    def to_preflight(self, name: str, trim_mm: tuple[float, float], bleed_mm: float,
                     black_text: bool) -> None:
        """Ask the build to preflight the print file `name` before it is published."""
        self.facts.setdefault("preflight", {})[name] = PrintGeometry(trim_mm, bleed_mm,
                                                                     black_text)


@dataclass(frozen=True)
class PrintGeometry:
    trim_mm: tuple[float, float]
    bleed_mm: float
    black_text: bool  # text in K only (an interior), or in colour (a cover)


class Writer(Protocol):
    format: ClassVar[str]  # the name `publish build --format` knows it by
    needs: ClassVar[tuple[str, ...]]  # formats whose facts it reads

    def write(self, job: Job) -> dict[str, bytes]: ...
