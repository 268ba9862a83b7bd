"""`publish check`: every check of both editions and the catalogue records, in one report.

The outside validators (EPUBCheck on Java, DAISY Ace on Node and chromium) run in two
threads while the checks made here run in this one: they wait on other processes, and
running them side by side halves the wall time. pdfium is not thread-safe, so everything
that reads a PDF stays in this thread.

A check that cannot run (Java missing, a file unreadable) counts as failed: a check that
did not run has not passed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pikepdf

from publish.author.dist import Editions, editions
from publish.build.pipeline import Progress
from publish.checks import Finding, verify
from publish.checks.ace import run_ace
from publish.checks.epubcheck import run_epubcheck
from publish.checks.figures import figures
from publish.checks.preflight import preflight
from publish.checks.readback import pdf_pages
from publish.checks.xrefs import page_references_printed
from publish.editions.cover import cover_size
from publish.errors import PublishError
from publish.resources import FONTS
from publish.source.fonts import shipped_faces
from publish.source.model import mm
from publish.source.services import service
from publish.stage import Profile

Level = Literal["error", "warning", "info"]
# Each validator's own severity words, sorted into three levels. Ace's `moderate` is an
# error: the EPUB claims WCAG 2.2 AA, and a moderate violation breaks that claim too.
LEVELS: dict[str, Level] = {
    "FATAL": "error", "ERROR": "error", "WARNING": "warning", "USAGE": "info", "INFO": "info",
    "critical": "error", "serious": "error", "moderate": "error", "minor": "warning",
    "error": "error", "warning": "warning", "info": "info",
}
# The rows of the report, in order, with what each checks.
CHECKS = {
    "epubcheck": "EPUBCheck 5.3: the EPUB against the EPUB 3 specification",
    "ace": "DAISY Ace 1.4: the EPUB's accessibility (WCAG 2.2 AA)",
    "preflight": "the print interior: fonts, boxes, trim, CMYK output intent, K-only text",
    "preflight-cover": "the print cover: fonts, boxes, trim and bleed, CMYK output intent",
    "glyphs": "every character has a shipped font, in the source and in the EPUB",
    "navigation": "toc, landmarks, page-list and NCX links lead to existing places",
    "pages": "one pagination: page-list, markers, contents, bookmarks, page map, the pages "
             "cross-references print",
    "figures": "each figure drawn at its size, its printed resolution, its alt text",
    "onix": "the ONIX 3.0 message against EDItEUR's schemas (onixcheck)",
    "marcxml": "the MARCXML records against the Library of Congress schema",
}


def level(finding: Finding) -> Level:
    return LEVELS.get(finding.severity, "error")


@dataclass
class Result:
    check: str
    findings: list[Finding] = field(default_factory=list)

    def count(self, wanted: Level) -> int:
        return sum(1 for finding in self.findings if level(finding) == wanted)

    @property
    def result(self) -> str:
        """`error` if any finding is an error, else `warning` if any is one, else `pass`."""
        return ("error" if self.count("error") else "warning" if self.count("warning")
                else "pass")

    def first(self) -> str:
        """The message to show: the first error, else the first warning, else the first
        note (a figure's printed resolution)."""
        for wanted in ("error", "warning", "info"):
            for finding in self.findings:
                if level(finding) == wanted:
                    return str(finding)
        return ""


@dataclass
class Report:
    folder: Path
    results: list[Result]
    files: dict[str, Path] = field(default_factory=dict)  # those checked: the build's own
    reused: list[str] = field(default_factory=list)  # the build's stages read from its cache

    @property
    def ok(self) -> bool:
        return not any(result.result == "error" for result in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "folder": str(self.folder),
                "files": {name: str(path) for name, path in self.files.items()},
                "reused": self.reused,
                "checks": [{"check": r.check, "about": CHECKS[r.check], "result": r.result,
                            "errors": r.count("error"), "warnings": r.count("warning"),
                            "findings": [{**asdict(f), "level": level(f)} for f in r.findings]}
                           for r in self.results]}


def check(source: Path, out: Path, progress: Progress | None = None,
          fonts: Path = FONTS, profile: Profile = "kdp") -> Report:
    """Build the book in `source` into `out`, then run every check on the files that
    build wrote (`dist.py`). Raises PublishError when the source has an error (nothing to
    check)."""
    found = editions(source, out, progress, fonts, profile)
    return check_editions(found, out, progress, fonts)


def check_editions(found: Editions, folder: Path, progress: Progress | None = None,
                   fonts: Path = FONTS) -> Report:
    """Every check of the files `found` names (`folder`: where they are, for the report)."""
    say = progress or (lambda stage: None)
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="publish-check-") as work, \
            ThreadPoolExecutor(max_workers=2) as pool:
        outside: dict[str, Future[list[Finding]]] = {
            "epubcheck": pool.submit(run_epubcheck, found.epub),
            "ace": pool.submit(run_ace, found.epub, Path(work)),
        }
        say("Running EPUBCheck and DAISY Ace; checking the PDF and the records")
        for name, run in _own_checks(found, fonts).items():
            results[name] = _run(name, run)
        for name, future in outside.items():
            results[name] = _run(name, future.result)
    return Report(folder, [results[name] for name in CHECKS], dict(found.files),
                  list(found.reused))


def _own_checks(found: Editions, fonts: Path) -> dict[str, Callable[[], list[Finding]]]:
    book = found.book
    top, bottom = verify.text_area(book)
    settings = book.meta.print
    rules = service(found.service)
    pages = _pages(found.pdf)
    width, height = cover_size(settings, pages, rules)
    bleed = rules.cover_bleed
    return {
        "preflight": lambda: preflight(found.pdf, trim_mm=(mm(settings.trim_width),
                                                           mm(settings.trim_height)),
                                       bleed_mm=round(rules.interior_bleed * 25.4, 2),
                                       black_text=True, service=rules),
        "preflight-cover": lambda: preflight(
            found.cover, trim_mm=((width - 2 * bleed) * 25.4, (height - 2 * bleed) * 25.4),
            bleed_mm=bleed * 25.4, black_text=False, service=rules, cover=True,
            panel_mm=mm(settings.trim_width)),
        "glyphs": lambda: verify.glyphs(book, shipped_faces(fonts), found.epub),
        "navigation": lambda: verify.navigation(found.epub),
        "pages": lambda: verify.page_references(book, found.epub, found.pdf,
                                                pdf_pages(found.pdf, top, bottom),
                                                found.page_map)
        + page_references_printed(found.epub, found.pdf),
        "figures": lambda: figures(book, found.pdf, found.epub),
        "onix": lambda: verify.onix(found.onix),
        "marcxml": lambda: verify.marcxml(found.marcxml),
    }


def _pages(pdf: Path) -> int:
    """The interior's page count (the cover's spine is as wide as the pages make it)."""
    try:
        with pikepdf.open(pdf) as document:
            return len(document.pages)
    except (pikepdf.PdfError, OSError):
        return 0  # the preflight will say what is wrong with the file


def _run(name: str, run: Callable[[], list[Finding]]) -> Result:
    """A check's findings; one that cannot run gives one error finding saying why."""
    try:
        return Result(name, run())
    except PublishError as error:
        message = f"{error.message} (fix: {error.fix})" if error.fix else error.message
        return Result(name, [Finding(name, "error", error.code, message, error.location())])
    except Exception as error:  # a file too broken for the reader: that is a failure too
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        return Result(name, [Finding(name, "error", "V-UNREADABLE",
                                     f"{type(error).__name__}: {error}", "")])
