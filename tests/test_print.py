"""The print edition read back from its files (issue 4): fonts, geometry, preflight,
contents numbers against the printed folios, the outline, page labels, the cover spread."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml

from publish.build.pipeline import build
from publish.checks.preflight import preflight
from publish.editions.cover import cover_size
from publish.source.services import service

from .conftest import PROJECT
from .readback import (
    MM,
    PrintedPage,
    contents_entries,
    outline,
    pdf_lines,
    printed_pages,
    structure,
)

BOOK: dict[str, Any] = yaml.safe_load((PROJECT / "source" / "book.yaml").read_text("utf-8"))
PT = 72.0
TRIM = (4.25 * PT, 6.87 * PT)  # source/book.yaml: print.trim_width, trim_height
TRIM_MM = (4.25 * 25.4, 6.87 * 25.4)


@pytest.fixture(scope="module")
def pdf(seven_letters: Path) -> Path:
    return seven_letters / "seven-letters.pdf"


@pytest.fixture(scope="module")
def press(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("press")
    build(PROJECT / "source", out, ["pdf"], profile="press")
    return out / "seven-letters.pdf"


def pages_of(pdf: Path) -> list[PrintedPage]:
    """Each page's text: whole, and above (15 mm), inside and below (16 mm) the text area."""
    return printed_pages(pdf, 15, 16)


def folio(page: PrintedPage) -> str:
    """The number printed in the page's foot, or '' (the foot: below the text area)."""
    text = page.foot.strip()
    return text if re.fullmatch(r"\d+|[ivxlc]+", text) else ""


def solid(text: str) -> str:
    """Letters and digits only, case kept: a heading in capitals, whatever its line breaks."""
    return "".join(c for c in text if c.isalnum())


def test_the_trim_comes_from_book_yaml() -> None:
    settings = BOOK["print"]
    assert (settings["trim_width"], settings["trim_height"]) == ("4.25in", "6.87in")


def test_every_font_is_embedded_as_pdffonts_sees_it(pdf: Path) -> None:
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), row


def test_every_page_is_the_trim_size(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            assert (x1 - x0, y1 - y0) == pytest.approx(TRIM, abs=0.5)
            assert [float(v) for v in page.obj.MediaBox] == pytest.approx([x0, y0, x1, y1])


def test_press_pages_carry_bleed_and_marks(press: Path) -> None:
    bleed = 3 * MM
    with pikepdf.open(press) as doc:
        for page in doc.pages:
            trim = [float(v) for v in page.obj.TrimBox]
            bleed_box = [float(v) for v in page.obj.BleedBox]
            media = [float(v) for v in page.obj.MediaBox]
            assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx(TRIM, abs=0.5)
            assert bleed_box == pytest.approx(
                [trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed], abs=0.1)
            assert media[0] < bleed_box[0] and media[2] > bleed_box[2]  # room for the marks
    findings = preflight(press, trim_mm=TRIM_MM, bleed_mm=3)
    assert [f for f in findings if f.severity == "error"] == []
    assert any(f.code == "P-MARKS" for f in findings)


def test_the_preflight_passes_on_the_interior_and_the_cover(seven_letters: Path) -> None:
    """The default service is KDP's: its rules too (tests/test_services.py for the others)."""
    kdp = service("kdp")
    assert preflight(seven_letters / "seven-letters.pdf", trim_mm=TRIM_MM, bleed_mm=0,
                     service=kdp) == []
    with pikepdf.open(seven_letters / "seven-letters.pdf") as doc:
        pages = len(doc.pages)
    per_page = {"white": 0.002252, "cream": 0.0025}[BOOK["print"]["paper"]]  # KDP's rule
    width = 2 * 4.25 + pages * per_page
    cover = preflight(seven_letters / "seven-letters-cover.pdf",
                      trim_mm=(width * 25.4, TRIM_MM[1]), bleed_mm=0.125 * 25.4,
                      black_text=False, service=kdp, cover=True, panel_mm=4.25 * 25.4)
    assert cover == []


def printed_contents(pdf: Path) -> list[tuple[str, str]]:
    lines = [line.text for line in pdf_lines(pdf, pages=range(2, 3))]
    assert lines[0] == "CONTENTS"
    return contents_entries(lines[1:])


def test_the_contents_numbers_are_the_folios_where_the_letters_open(pdf: Path) -> None:
    entries = printed_contents(pdf)
    assert len(entries) == 7
    printed = {}
    for page in pages_of(pdf):
        text = solid(page.text)
        for title, _ in entries:
            # a letter opens on the page where its heading stands whole, in capitals
            if solid(title) in text and title not in printed and page.number > 3:
                printed[title] = folio(page)
    assert [number for _, number in entries] == [printed[title] for title, _ in entries]


def test_the_outline_mirrors_the_contents(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        assert doc.Root.PageMode == pikepdf.Name.UseOutlines
    assert outline(pdf) == printed_contents(pdf)


def test_the_page_labels_are_the_printed_folios(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        labels = [page.label for page in doc.pages]
    folios = [folio(page) for page in pages_of(pdf)]
    assert labels[:4] == ["i", "ii", "iii", "iv"]
    checked = 0
    for label, printed in zip(labels, folios, strict=True):
        if printed:
            assert printed == label
            checked += 1
    assert checked >= len(labels) // 2
    assert labels[4:] == [str(n) for n in range(1, len(labels) - 3)]


def test_blank_pages_are_truly_blank_and_openings_have_no_running_head(pdf: Path) -> None:
    for page in pages_of(pdf):
        if not page.body.strip():  # nothing drawn: no text, no line, no box, no image
            assert page.objects == 0, page.number
        if re.search(r"^LETTER OF THE", page.body):
            assert not page.head.strip(), f"running head on opening page {page.number}"


def test_running_heads(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        labels = [page.label for page in doc.pages]
    heads = {labels[n]: page.head.strip() for n, page in enumerate(pages_of(pdf))}
    assert heads["4"] == BOOK["short_title"]  # a verso of the May 7 letter
    assert heads["5"] == "Letter of May 7, 1964"  # a recto


def test_the_document_metadata(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        info = doc.docinfo
        assert str(info.Title) == BOOK["title"]["en"]
        assert str(info.Author) == ", ".join(a["name"] for a in BOOK["contributors"])
        assert str(info.Keywords) == ", ".join(BOOK["keywords"])
        assert str(info.Subject) == " ".join(BOOK["description"].split())
        assert str(info.CreationDate).startswith("D:20231114")  # SOURCE_DATE_EPOCH
        assert str(doc.Root.Lang) == "en"
        assert "GTS_PDFX" in str(doc.Root.OutputIntents[0].S)


@pytest.mark.parametrize("pages", [24, 80, 250, 600])
@pytest.mark.parametrize("paper", ["white", "cream"])
def test_the_cover_width_follows_the_page_count(pages: int, paper: str) -> None:
    from publish.source.model import Print

    settings = Print.model_validate({**BOOK["print"], "paper": paper})
    per_page = {"white": 0.002252, "cream": 0.0025}[paper]  # KDP's published rule
    width, height = cover_size(settings, pages, service("kdp"))
    assert width == pytest.approx(2 * 4.25 + pages * per_page + 2 * 0.125)
    assert height == pytest.approx(6.87 + 2 * 0.125)


def test_the_built_cover_is_that_wide(seven_letters: Path) -> None:
    with pikepdf.open(seven_letters / "seven-letters.pdf") as doc:
        pages = len(doc.pages)
    with pikepdf.open(seven_letters / "seven-letters-cover.pdf") as doc:
        (page,) = doc.pages
        media = [float(v) / PT for v in page.obj.MediaBox]
        trim = [float(v) / PT for v in page.obj.TrimBox]
    per_page = {"white": 0.002252, "cream": 0.0025}[BOOK["print"]["paper"]]
    assert media[2] - media[0] == pytest.approx(2 * 4.25 + pages * per_page + 2 * 0.125,
                                                abs=0.002)
    assert trim[2] - trim[0] == pytest.approx(2 * 4.25 + pages * per_page, abs=0.002)


def test_two_builds_give_the_same_pdf(tmp_path: Path, pdf: Path) -> None:
    build(PROJECT / "source", tmp_path, ["pdf"])
    assert (tmp_path / "seven-letters.pdf").read_bytes() == pdf.read_bytes()


def test_the_imprint_chinese_is_found_as_pdf_readers_find_words(pdf: Path) -> None:
    """poppler's text (what its viewers search) holds each Chinese line of the imprint whole,
    no space read into it, and the tagged PDF gives each the language zh-Hans."""
    chinese = [line for block in BOOK["imprint"] for line in block["lines"]
               if any("\u4e00" <= char <= "\u9fff" for char in str(line))]
    assert len(chinese) == 4
    for mode in ([], ["-raw"]):
        text = subprocess.run(["pdftotext", *mode, "-f", "2", "-l", "2", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert [line for line in chinese if line not in text.splitlines()] == []
        assert "中共中央" in text
    tagged = [element for element in structure(pdf) if element.lang]
    assert {(element.lang, element.page) for element in tagged} == {("zh-Hans", 1)}
    assert len(tagged) == len(chinese)


def test_running_heads_and_folios_are_artifacts_not_text(pdf: Path) -> None:
    """A screen reader reads the structure tree: each page's running head and folio are
    marked as pagination artifacts (PDF/UA-1), and every other run of marked content
    belongs to an element of the tree (none is left out of both, as WeasyPrint left them)."""
    printed = pages_of(pdf)
    with pikepdf.open(pdf) as doc:
        root = doc.Root.StructTreeRoot
        in_tree: set[tuple[int, int]] = set()  # the tree's elements, by object number
        todo: list[object] = list(root.K)
        while todo:
            element = todo.pop()
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                in_tree.add(element.objgen)
                kids = element.get("/K")
                todo += list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        nums = root.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page in enumerate(doc.pages):
            marks = [list(instruction.operands)
                     for instruction in pikepdf.parse_content_stream(page)
                     if str(instruction.operator) == "BDC"]
            artifacts = [m for m in marks if str(m[0]) == "/Artifact"]
            tagged = [int(m[1].MCID) for m in marks if str(m[0]) != "/Artifact"]
            margins = bool(printed[number].head.strip() or printed[number].foot.strip())
            assert bool(artifacts) == margins, f"page {number + 1}"
            assert all(str(m[1].Type) == "/Pagination" for m in artifacts)
            refs: Any = parents[int(page.obj.StructParents)] if tagged else []
            assert [mcid for mcid in tagged if refs[mcid].objgen not in in_tree] == []
