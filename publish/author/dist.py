"""The built editions of a book in `dist/`, and whether they are fresh.

`publish check` and `publish proof` look at the files a build wrote. They build first
unless `dist/` is fresh: every file a build writes is there and newer than every file
the build reads (the book's folder, the fonts, the style sheets, and publish's own
templates and code, which shape the output as much as the source does). Modification
times, not contents: a build writes every file anew, so its files are newer than
anything it read, and an edit saved after it makes them stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from publish.build.pipeline import ORDER, Progress, build
from publish.resources import FONTS, PACKAGE, STYLES
from publish.source.load import load_book
from publish.source.model import Book

_SKIPPED = {"__pycache__", ".git", ".hypothesis", ".mypy_cache", ".pytest_cache"}


@dataclass(frozen=True)
class Editions:
    """The files of one book in `folder`; `built` says whether this run built them."""

    book: Book
    folder: Path
    built: bool

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.book.meta.slug}{suffix}"

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

    def files(self) -> list[Path]:
        """Every file a full build writes."""
        return [self.pdf, self.page_map, self.cover, self.epub, self.marcxml,
                self.path(".mrc"), self.onix]


def inputs(source: Path, out: Path, fonts: Path = FONTS) -> Iterator[Path]:
    """Every file a build reads (or may read), but none of `out` (it may lie in `source`)."""
    out = out.resolve()
    for folder in (source, fonts, STYLES, PACKAGE):
        for path in folder.resolve().rglob("*"):
            if _SKIPPED.intersection(path.parts) or path.is_relative_to(out):
                continue
            if path.is_file():
                yield path


def is_fresh(editions: Editions, source: Path, fonts: Path = FONTS) -> bool:
    try:
        oldest = min(path.stat().st_mtime for path in editions.files())
    except (FileNotFoundError, ValueError):
        return False
    return all(path.stat().st_mtime < oldest for path in inputs(source, editions.folder, fonts))


def editions(source: Path, out: Path, progress: Progress | None = None,
             fonts: Path = FONTS) -> Editions:
    """The editions in `out`, built now (every format, `pod`) unless they are fresh.
    Raises what `build` raises when the source has an error."""
    found = Editions(load_book(source), out, built=False)
    if is_fresh(found, source, fonts):
        return found
    build(source, out, ORDER, "pod", progress=progress, fonts=fonts)
    return Editions(found.book, out, built=True)
