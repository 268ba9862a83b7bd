"""The editions `publish check` and `publish proof` look at: the files a build made now.

They build every time (every format; for KDP, or the print service asked for): the build cache
makes an unchanged book's build cheap, and what they read is then exactly the files that
build wrote (`Built.files`), never a file that merely lies in the output folder. A `dist/`
shipped with a book, or edited by hand, is neither checked nor opened in chromium: the build
replaces its files before anything reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publish.build.pipeline import ORDER, Progress, build
from publish.resources import FONTS
from publish.source.load import load_book
from publish.source.model import Book
from publish.source.services import canonical
from publish.stage import Profile


@dataclass(frozen=True)
class Editions:
    """The files one build of `book` wrote, by name (`minimal.pdf`: its path)."""

    book: Book
    files: Mapping[str, Path]
    reused: list[str] = field(default_factory=list)  # the build's stages read from the cache
    service: str = "kdp"  # the print service the print files were made for

    def path(self, suffix: str) -> Path:
        """The file of that name the build wrote (a full build writes every one: one
        missing is a bug, a KeyError)."""
        return self.files[f"{self.book.meta.slug}{suffix}"]

    @property
    def pdf(self) -> Path:
        return self.path(".pdf")

    @property
    def cover(self) -> Path:
        return self.path("-cover.pdf")

    @property
    def epub(self) -> Path:
        return self.path(".epub")

    @property
    def page_map(self) -> Path:
        return self.path(".pages.json")

    @property
    def marcxml(self) -> Path:
        return self.path(".marc.xml")

    @property
    def onix(self) -> Path:
        return self.path(".onix.xml")


def editions(source: Path, out: Path, progress: Progress | None = None,
             fonts: Path = FONTS, profile: Profile = "kdp") -> Editions:
    """Build the book in `source` into `out` (every format) and return the files that
    build wrote. Raises what `build` raises when the source has an error."""
    built = build(source, out, ORDER, profile, progress=progress, fonts=fonts)
    return Editions(load_book(source), dict(built.files), list(built.reused),
                    canonical(profile))
