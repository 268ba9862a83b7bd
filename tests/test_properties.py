"""Properties of every source (tests/strategies.py draws them): the loader and the rendering
accept it and every section is well-formed XHTML whose ids are unique and whose links lead
somewhere, or they refuse it with a PublishError naming a code, the file and a line of
it, never another exception; and a source they accept builds editions that pass
EPUBCheck and the print preflight."""

from __future__ import annotations

import re
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from lxml import etree

from publish.build.pipeline import build
from publish.checks import Finding
from publish.checks.epubcheck import run_epubcheck
from publish.checks.preflight import preflight
from publish.editions.epub import SHEETS
from publish.errors import PublishError
from publish.render.html import environment, render
from publish.source.fonts import check_coverage, shipped_faces
from publish.source.ids import COVER_IMAGE
from publish.source.load import load_book
from publish.source.model import Book, mm

from .conftest import PROJECT, examples
from .strategies import Source, sources, valid_sources

FACES = shipped_faces()
README_CODES = set(re.findall(r"\b[SU]-[A-Z0-9-]+[A-Z0-9]\b",
                              (PROJECT / "README.md").read_text(encoding="utf-8")))
XHTML = "{http://www.w3.org/1999/xhtml}"


def load_and_render(root: Path) -> Book:
    """What the build does before any writer: load, check the glyphs, render both ways."""
    book = load_book(root)
    check_coverage(book, FACES)
    check_renderings(book)
    return book


def check_renderings(book: Book) -> None:
    page = environment().get_template("epub/page.xhtml.jinja")
    for edition in ("epub", "print"):
        rendering = render(book, edition)
        ids: dict[str, list[str]] = {}  # by file (the EPUB), or all in one (print)
        hrefs: list[str] = []
        for section in rendering.sections:
            xhtml = page.render(title=section.title, html=section.html, stylesheets=SHEETS,
                                language="en")
            root = etree.fromstring(xhtml.encode("utf-8"))  # well-formed, or this fails
            file = section.file if edition == "epub" else ""
            ids.setdefault(file, []).extend(e.get("id") for e in root.iter() if e.get("id"))
            hrefs += [a.get("href", "") for a in root.iter(f"{XHTML}a")]
            # No image but the EPUB's cover picture, and no script: raw HTML is text.
            assert [i.get("src") for i in root.iter(f"{XHTML}img")] == (
                [f"../{COVER_IMAGE}"] if (edition, section.id) == ("epub", "cover") else [])
            assert not list(root.iter(f"{XHTML}script", f"{XHTML}iframe"))
            assert not root.xpath("//x:a//x:a", namespaces={"x": XHTML[1:-1]}), "a link in a link"
        for file, names in ids.items():
            assert len(names) == len(set(names)), f"{edition} {file}: an id twice"
        for href in hrefs:  # every link leads to a web page or to an id of the book
            if not href.startswith(("https://", "http://", "mailto:")):
                target, _, fragment = href.rpartition("#")
                assert fragment in ids[target if edition == "epub" else ""], href


def lines_of(root: Path, error: PublishError) -> int:
    assert error.path is not None
    return len((root.parent / error.path).read_bytes().split(b"\n"))


@settings(max_examples=examples("sources"), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source=sources())
def test_every_source_renders_or_is_refused_clearly(source: Source) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = source.write(Path(folder) / "book")
        try:
            load_and_render(root)
        except PublishError as error:
            event(error.code)
            assert error.code in README_CODES, error
            assert error.fix, error
            assert error.path is not None and error.path.startswith("book/"), error
            assert error.line is not None and 1 <= error.line <= lines_of(root, error), error
        else:
            event("accepted")


def errors_of(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.severity in ("FATAL", "ERROR", "WARNING")]


def test_accepted_sources_build_valid_editions(tmp_path: Path) -> None:
    """Full builds: 4 a run in the `ci` profile, 60 in `long` (tests/conftest.py).
    EPUBCheck runs beside the next build, and its findings are asserted at the end: a
    failure names the kept source, not a shrunk one. This is the slow test of the file
    (~6 s a build on 2 cores): each build spends seconds cutting the fonts for the EPUB,
    and each EPUBCheck run ~5 s of CPU starting Java and its schemas."""
    builds = examples("builds")
    checked: list[tuple[Path, Future[list[Finding]]]] = []
    with ThreadPoolExecutor(max_workers=1) as epubcheck:

        @settings(max_examples=builds, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])
        @given(source=valid_sources())
        def one_build(source: Source) -> None:
            example = tmp_path / f"example-{len(checked):02d}"
            shutil.rmtree(example, ignore_errors=True)
            root = source.write(example / "book")
            try:
                book = load_and_render(root)
            except PublishError:
                reject()  # the loader's refusals are the other property's business
            built = build(root, example / "dist", ["pdf", "epub"])
            settings = book.meta.print
            trim = (mm(settings.trim_width), mm(settings.trim_height))
            pdf = built.files[f"{book.meta.slug}.pdf"]
            assert errors_of(preflight(pdf, trim_mm=trim, bleed_mm=0)) == []
            epub = built.files[f"{book.meta.slug}.epub"]
            checked.append((root, epubcheck.submit(run_epubcheck, epub)))

        one_build()
        failed = {str(root): errors_of(done.result()) for root, done in checked}
    assert len(checked) >= builds
    assert {root: errors for root, errors in failed.items() if errors} == {}


@pytest.mark.parametrize("code", ["S-LINK", "S-FONT", "S-IMAGE", "S-NO-GLYPH", "S-LANGUAGE",
                                  "S-ISBN", "S-RELATOR", "S-STRUCTURE", "S-PART-ORDER",
                                  "S-ATTRIBUTE"])
def test_the_codes_are_documented(code: str) -> None:
    assert code in README_CODES
