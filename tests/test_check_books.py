"""`publish check` passes on ordinary books, and still finds what is wrong (issue 15,
item 7): a part left out of the printed contents at the end (and at the start), pages
that begin with a numbered list item, contents entries whose titles hold numbers; of
markdown-it's typographer only the quotes and dashes; no heading below `###`.

One small book is written for the module (a copy of tests/roots/minimal with a long
numbered list and three more parts) and built once; the checks of `publish check` that
no outside validator makes (publish/checks/verify.py) run on its files, as they are and
edited by hand. What the files hold is read with the tests' own readers (readback.py).
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from lxml import etree

from publish.build.pipeline import build
from publish.checks import verify
from publish.checks.readback import PdfPage, contents_numbers, pdf_pages
from publish.errors import SourceError
from publish.resources import FONTS
from publish.source.fonts import shipped_faces
from publish.source.load import load_book
from publish.source.markup import parse_text, plain_text
from publish.source.model import Book

from .conftest import EPOCH, ROOTS
from .readback import NS, Epub, letters, pdf_lines
from .samples import paragraph, vocabulary
from .test_fixtures import Case, cases_of, check, inline

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
SECTION = '## (C) 1964: the "first" section -- and---after it'
CIRCULAR = "THE \"CIRCULAR\" (C) 1964 -- AND---AFTER"
# Long enough to wrap in the contents after "1917": a line that ends in a number of the title.
LONG = "THE LETTER OF THE COMMITTEE OF THE YEAR 1917 AND OF THE YEARS THAT CAME AFTER IT"
# The parts in reading order: file, id, title, whether the printed contents lists it, kind.
PARTS = [("00-preface.md", "preface", "PREFACE", False, "preface"),
         ("01-first.md", "first", "THE FIRST LETTER", True, "letter"),
         ("02-second.md", "second", "THE SECOND LETTER", True, "letter"),
         ("03-circular.md", "circular", CIRCULAR, True, "chapter"),
         ("04-long.md", "long", LONG, True, "chapter"),
         ("05-note.md", "note", "A NOTE (C) 1964", False, "afterword")]


def write_book(folder: Path) -> Path:
    """tests/roots/minimal with a section and a numbered list of 40 items of mixed lengths
    in its first letter (pages begin at items and inside them, past the ninth), a preface
    and a note left out of the contents, first and last, and two parts whose titles hold
    (C), quotes, dashes and numbers."""
    shutil.copytree(ROOTS / "minimal", folder)
    rng = random.Random(1515)
    words = vocabulary()
    items = [f"{n}. " + paragraph(rng, words, rng.choice([6, 12, 20, 45, 70]))
             for n in range(1, 41)]
    first = folder / "text" / "01-first.md"
    first.write_text(first.read_text(encoding="utf-8") + f"\n\n{SECTION}\n\n"
                     + paragraph(rng, words, 120) + "\n\n" + "\n".join(items) + "\n\n"
                     + paragraph(rng, words, 60) + "\n", encoding="utf-8")
    for name, id, title, listed, kind in PARTS:
        if name in ("01-first.md", "02-second.md"):
            continue
        # The preface is numbered with the body (as Seven Letters' publisher's note), so
        # that the contents' first listed part does not open on page 1.
        header = {"id": id, "kind": kind, "title": title, "short_title": id.title(),
                  "in_contents": listed, **({"matter": "body"} if kind == "preface" else {})}
        (folder / "text" / name).write_text(
            "---\n" + "".join(f"{key}: {json.dumps(value)}\n" for key, value in header.items())
            + f"---\n\nThe text of the {id}.\n", encoding="utf-8")
    meta = (folder / "book.yaml").read_text(encoding="utf-8")
    meta = meta.replace("  - text/01-first.md\n  - text/02-second.md\n",
                        "".join(f"  - text/{name}\n" for name, *_ in PARTS))
    (folder / "book.yaml").write_text(meta, encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Built:
    book: Book
    epub: Path
    pdf: Path
    page_map: Path
    pages: list[PdfPage]  # the PDF read as `publish check` reads it

    def findings(self, epub: Path | None = None, page_map: Path | None = None) -> list[str]:
        """The pages check on these files, or on an edited EPUB or page map instead."""
        return [f"{f.code} {f.location}: {f.message}" for f in verify.page_references(
            self.book, epub or self.epub, self.pdf, self.pages, page_map or self.page_map)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    source = write_book(tmp_path_factory.mktemp("book") / "ordinary")
    out = tmp_path_factory.mktemp("dist")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(source, out, ["pdf", "epub"], cache=False)
    book = load_book(source)
    yield Built(book, out / "minimal.epub", out / "minimal.pdf", out / "minimal.pages.json",
                pdf_pages(out / "minimal.pdf", *verify.text_area(book)))


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Epub]:
    epub = Epub(path)
    try:
        yield epub
    finally:
        epub.zip.close()


def page_map(built: Built) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads(built.page_map.read_text(encoding="utf-8"))["pages"]
    return pages


def xhtml_with(epub: Epub, id: str) -> tuple[str, etree._Element]:
    """The spine's file holding the element `id`, and its tree."""
    for name in epub.spine():
        tree = epub.xml(name)
        if tree.xpath("//*[@id=$id]", id=id):
            return name, tree
    raise AssertionError(f"no element '{id}' in the EPUB")


def rezip(epub: Path, changed: dict[str, bytes], to: Path) -> Path:
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(to, "w") as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename, source.read(info.filename)))
    return to


def list_item_pages(built: Built) -> list[dict[str, Any]]:
    """The page map's pages that begin in an item of the numbered list."""
    with opened(built.epub) as epub:
        _, tree = xhtml_with(epub, "first")
    items = {str(i) for i in tree.xpath("//x:ol/x:li/@id", namespaces=NS)}
    return [page for page in page_map(built) if page["element"] in items]


def item_number(li: etree._Element) -> int:
    """The number the style gives a list item: its place in its `ol`, from `start`."""
    ol = li.getparent()
    return int(str(ol.get("start", "1"))) + int(ol.index(li))


# --- the book passes -------------------------------------------------------------------


def test_the_book_is_the_one_the_tests_need(built: Built) -> None:
    assert [part.id for part in built.book.parts] == [id for _, id, *_ in PARTS]
    assert not built.book.parts[0].header.in_contents
    assert not built.book.parts[-1].header.in_contents
    starts = list_item_pages(built)
    assert any(page["offset"] == 0 for page in starts), "no page begins at a list item"
    with opened(built.epub) as epub:
        _, tree = xhtml_with(epub, "first")
    numbers = {page["element"]: item_number(tree.xpath("//*[@id=$id]", id=page["element"])[0])
               for page in starts}
    assert any(page["offset"] > 0 and numbers[page["element"]] >= 10 for page in starts), \
        "no page begins inside an item with a number of two digits"
    contents = next(page for page in built.pages if page.label == "iii").text.splitlines()
    assert "THE LETTER OF THE COMMITTEE OF THE YEAR 1917" in contents, contents


def test_check_passes_on_the_book(built: Built) -> None:
    assert built.findings() == []
    assert verify.navigation(built.epub) == []
    assert verify.glyphs(built.book, shipped_faces(FONTS), built.epub) == []


# --- a part left out of the printed contents -------------------------------------------


def test_the_contents_bookmarks_and_toc_agree_without_the_parts_left_out(built: Built) -> None:
    listed = [plain_text(title) for _, _, title, shown, _ in PARTS if shown]
    numbers = contents_numbers(built.pages, "CONTENTS", listed)
    assert numbers == ["3", "15", "17", "19"]
    with pikepdf.open(built.pdf) as pdf, pdf.open_outline() as outline:
        assert [str(item.title) for item in outline.root] == listed
    with opened(built.epub) as epub:
        toc = epub.xml(epub.nav_path()).xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a",
                                               namespaces=NS)
        assert [a.get("href").partition("#")[2] for a in toc] == [id for _, id, *_ in PARTS]


def test_a_toc_entry_that_leads_to_another_part_is_still_found(built: Built,
                                                               tmp_path: Path) -> None:
    with opened(built.epub) as epub:
        nav_path = epub.nav_path()
        nav = epub.zip.read(nav_path).decode()
    circular, long = (next(h for h in re.findall(r'href="([^"]+)"', nav) if h.endswith(f"#{id}"))
                      for id in ("circular", "long"))
    swapped = nav.replace(circular, "\0").replace(long, circular).replace("\0", long)
    epub_path = rezip(built.epub, {nav_path: swapped.encode()}, tmp_path / "swapped.epub")
    assert [f for f in built.findings(epub=epub_path) if f.startswith("V-CONTENTS")] == [
        "V-CONTENTS : the EPUB's toc leads to pages ['3', '15', '19', '17'], the printed "
        "contents gives ['3', '15', '17', '19']"]


def pages(*texts: str) -> list[PdfPage]:
    return [PdfPage(index, label, text) for index, (label, text) in
            enumerate(zip(["i", "ii", "iii", "iv", "1"], texts, strict=False))]


def test_contents_entries_are_read_by_their_titles() -> None:
    contents = ("CONTENTS\nA LETTER . . . . 1\nTHE YEAR 1917\nAND AFTER IT . . . 5\n"
                "WHAT CAME AFTER IT9\nCHAPTER 2\n. . . . . 11\nPREFACE . . . vii")
    titles = ["A LETTER", "THE YEAR 1917 AND AFTER IT", "WHAT CAME AFTER IT", "CHAPTER 2",
              "PREFACE"]
    assert contents_numbers(pages("TITLE", contents, "1 TEXT"), "CONTENTS", titles) == [
        "1", "5", "9", "11", "vii"]
    # over two pages, and only from the page that begins with the heading
    assert contents_numbers(pages("A LETTER . . . 7", "CONTENTS\nA LETTER . . . . 1",
                                  "THE YEAR 1917\nAND AFTER IT . . . 5"), "CONTENTS",
                            titles[:2]) == ["1", "5"]
    # an entry that is not the title expected, a title followed by more than its number,
    # an entry more on the page of the last one: what is read, and no more
    assert contents_numbers(pages(contents), "CONTENTS", ["A LETTER", "A SECOND"]) == ["1"]
    assert contents_numbers(pages("CONTENTS\nA LETTER 1 AND MORE"), "CONTENTS",
                            ["A LETTER"]) == []
    assert contents_numbers(pages(contents), "CONTENTS", ["A LETTER"]) == ["1", "?"]
    assert contents_numbers(pages("CONTENTS\nA LETTER . . . 1", "OTHER FRONT MATTER 4"),
                            "CONTENTS", ["A LETTER"]) == ["1"]
    assert contents_numbers(pages("NO CONTENTS\nA LETTER . . . 1"), "CONTENTS",
                            ["A LETTER"]) == []


# --- pages that begin with a numbered list item ------------------------------------------


def test_a_page_that_begins_at_a_list_item_is_marked_at_its_first_letter(built: Built) -> None:
    """The item's number is the style's, not text: the PDF prints it at the page's top, the
    EPUB's XHTML does not hold it, and the page map neither counts nor quotes it. The
    marker stands in the item, after `offset` letters of its text; the page map's words
    are the item's, as the EPUB reads them after the marker."""
    with opened(built.epub) as epub:
        _, tree = xhtml_with(epub, "first")
    for page in list_item_pages(built):
        li = tree.xpath("//*[@id=$id]", id=page["element"])[0]
        marker = tree.xpath("//*[@id=$id]", id=f"page-{page['label']}")[0]
        assert marker.get(EPUB_TYPE) == "pagebreak" and li in marker.iterancestors()
        marker.tail = "\ue000" + (marker.tail or "")
        before, _, after = "".join(li.itertext()).partition("\ue000")
        assert len(letters(before)) == page["offset"], page
        assert letters(after).startswith(letters(page["first_words"])), page
        printed = pdf_lines(built.pdf, *verify.text_area(built.book),
                            pages=range(page["index"], page["index"] + 1))[0].text
        if page["offset"] == 0:
            assert printed.startswith(f"{item_number(li)}. "), (printed, page)
            printed = printed.partition(" ")[2]
        assert letters(printed).startswith(letters(page["first_words"])[:20]), (printed, page)
        assert not letters(page["first_words"])[:1].isdigit(), page


def test_a_marker_a_number_of_letters_off_in_a_list_item_is_found(built: Built,
                                                                  tmp_path: Path) -> None:
    """A marker put as many letters late as the item's number has digits (what counting
    the number as text did) is V-PAGE-START: such pages are checked, not passed over."""
    with opened(built.epub) as epub:
        name, tree = xhtml_with(epub, "first")
    page = next(p for p in list_item_pages(built) if p["offset"] > 0 and item_number(
        tree.xpath("//*[@id=$id]", id=p["element"])[0]) >= 10)
    marker = tree.xpath("//*[@id=$id]", id=f"page-{page['label']}")[0]
    tail = marker.tail or ""
    late = next(i for i, c in enumerate(tail) if c.isalnum() and
                sum(ch.isalnum() for ch in tail[:i]) == 2)
    previous = marker.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail[:late]
    else:
        parent = marker.getparent()
        parent.text = (parent.text or "") + tail[:late]
    marker.tail = tail[late:]
    moved = rezip(built.epub, {name: etree.tostring(tree, xml_declaration=True,
                                                    encoding="utf-8")}, tmp_path / "late.epub")
    assert [f.split(":")[0] for f in built.findings(epub=moved)] == [
        f"V-PAGE-START page {page['label']}"]


def test_a_page_map_that_misquotes_a_list_item_page_is_found(built: Built,
                                                            tmp_path: Path) -> None:
    data = json.loads(built.page_map.read_text(encoding="utf-8"))
    page = next(p for p in list_item_pages(built) if p["offset"] == 0)
    data["pages"][page["index"]]["first_words"] = "Other words"
    edited = tmp_path / "minimal.pages.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    assert [f.split(":")[0] for f in built.findings(page_map=edited)] == [
        "V-PAGE-MAP minimal.pages.json"]


# --- the typographer: quotes and dashes only --------------------------------------------


@cases_of("typographer.txt")
def test_typographer(case: Case) -> None:
    check(case, inline(case.input))


def test_brackets_stay_in_headings_bookmarks_and_the_contents(built: Built) -> None:
    circular = "THE \u201cCIRCULAR\u201d (C) 1964 \u2013 AND\u2014AFTER"
    section = "(C) 1964: the \u201cfirst\u201d section \u2013 and\u2014after it"
    assert plain_text(CIRCULAR) == circular
    with pikepdf.open(built.pdf) as pdf, pdf.open_outline() as outline:
        titles = [str(item.title) for item in outline.root]
        sections = [str(child.title) for item in outline.root for child in item.children]
    assert circular in titles and section in sections
    contents = next(page for page in built.pages if page.label == "iii").text
    assert circular in contents
    with opened(built.epub) as epub:
        nav = epub.xml(epub.nav_path())
        labels = ["".join(a.itertext()) for a in nav.xpath("//x:nav[@epub:type='toc']//x:a",
                                                          namespaces=NS)]
        ncx = [str(t) for t in epub.xml("EPUB/toc.ncx").xpath("//ncx:text/text()",
                                                              namespaces=NS)]
        headings = ["".join(h.itertext()) for name in epub.spine()
                    for h in epub.xml(name).xpath("//x:h1|//x:h2", namespaces=NS)]
        text = "".join("".join(epub.xml(name).itertext()) for name in epub.spine())
    for found in (labels, ncx, headings):
        assert {circular, section, "A NOTE (C) 1964"} <= set(found), found
    printed = "".join(page.text for page in built.pages)
    assert "\u00a9" not in text + printed + "".join(titles + labels + ncx)


# --- headings below ### ----------------------------------------------------------------


@pytest.mark.parametrize("text, line, hashes", [
    ("#### Deeper", 1, "####"),
    ("## A section\n\n### A subsection\n\n#### Deeper\n\nText.", 5, "####"),
    ("Text.\n\n##### Deeper still", 3, "#####"),
    ("> ###### In a quotation", 1, "######"),
    ("1. An item\n\n   #### In a list item", 3, "####"),
])
def test_a_heading_below_a_subsection_is_refused(text: str, line: int, hashes: str) -> None:
    """The contents, the toc, the NCX and the outline nest sections (##) and subsections
    (###) under a part; a deeper heading is refused at loading, with its line."""
    with pytest.raises(SourceError) as refused:
        parse_text(text, "text/part.md", 10, "p")
    error = refused.value
    assert (error.code, error.path, error.line) == ("S-HEADING-LEVEL", "text/part.md", 9 + line)
    assert f"a '{hashes}' heading" in error.message
    assert "'##'" in error.fix and "'###'" in error.fix


def test_sections_and_subsections_are_kept() -> None:
    text = parse_text("## A section\n\n### A subsection\n\nText.", "text/part.md", 1, "p")
    assert [(h.level, h.text) for h in text.headings] == [(2, "A section"), (3, "A subsection")]
