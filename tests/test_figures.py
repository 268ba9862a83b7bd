"""Figures (issue 16): the annotated sample's three figures read back from both editions,
and the images a build refuses.

What a reader checks: each figure is in the EPUB with its alt text and its numbered
caption, in a size reading systems take; in print it is grey (a black interior), as wide
as the text block (or its `width`), with its printed resolution reported by `publish
check` and warned of below 300 ppi; a cross-reference prints the page it is drawn on.
The expected values come from the source files (the Markdown, book.yaml's margins) and
the images themselves, never from the build.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from publish.author.check import check_editions
from publish.author.dist import Editions
from publish.build.pipeline import build
from publish.cli import app
from publish.source.load import load_book

from . import images
from .changes import snapshot
from .conftest import EPOCH, ROOTS
from .readback import NS, Epub

ROOT = ROOTS / "annotated"
# ![alt](file "caption"){#name width=60}, over lines: the format's figure (README: Figures)
IMAGE = re.compile(r'!\[([^\]]+)\]\((\S+)(?:\s+"([^"]*)")?\)(?:\{([^}\n]*)\})?')
MM_PER = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
PT = 72 / 25.4  # points a millimetre


@dataclass(frozen=True)
class SourceFigure:
    file: str  # the text file
    line: int
    alt: str
    src: str
    caption: str
    share: int  # percent of the text block's width


def one_line(text: str) -> str:
    return " ".join(text.split())


def source_figures(root: Path) -> list[SourceFigure]:
    meta = yaml.safe_load((root / "book.yaml").read_text(encoding="utf-8"))
    out = []
    for name in meta["text"]:
        text = (root / name).read_text(encoding="utf-8")
        for found in IMAGE.finditer(text):
            width = re.search(r"width=(\d+)", found[4] or "")
            out.append(SourceFigure(name, text.count("\n", 0, found.start()) + 1,
                                    one_line(found[1]), found[2], one_line(found[3] or ""),
                                    int(width[1]) if width else 100))
    return out


def text_block_mm(root: Path) -> tuple[float, float]:
    settings = yaml.safe_load((root / "book.yaml").read_text(encoding="utf-8"))["print"]

    def mm(value: str) -> float:
        length = re.fullmatch(r"([0-9.]+)\s*([a-z]+)", str(value).strip())
        assert length, value
        return float(length[1]) * MM_PER[length[2]]

    m = settings["margins"]
    return (mm(settings["trim_width"]) - mm(m["inside"]) - mm(m["outside"]),
            mm(settings["trim_height"]) - mm(m["top"]) - mm(m["bottom"]))


@dataclass
class Built:
    epub: Epub
    pdf: Path
    warnings: list[str]
    findings: dict[str, list[tuple[str, str]]]  # check -> (severity, message)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    out = tmp_path_factory.mktemp("figures") / "dist"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        built = build(ROOT, out, ["pdf", "cover", "epub", "marc", "onix"], cache=False)
        report = check_editions(Editions(load_book(ROOT), dict(built.files)), out)
    epub = Epub(out / "annotated.epub")
    try:
        yield Built(epub, out / "annotated.pdf", built.warnings,
                    {r.check: [(f.severity, f.message) for f in r.findings]
                     for r in report.results})
    finally:
        epub.zip.close()


@dataclass(frozen=True)
class Drawn:
    label: str
    width_mm: float
    height_mm: float
    pixels: tuple[int, int]


def drawn_images(pdf: Path) -> list[Drawn]:
    """Every image the PDF draws, in page order, as pdfium places it."""
    out = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            for found in document[index].get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = found.get_bounds()
                out.append(Drawn(document.get_page_label(index), (right - left) / PT,
                                 (top - bottom) / PT, tuple(found.get_px_size())))
    finally:
        document.close()
    return out


# --- the sample ------------------------------------------------------------------------

def test_the_samples_images_are_the_tests_own_drawings() -> None:
    for name, (draw, kind) in images.FIGURES.items():
        with Image.open(images.FOLDER / name) as kept:
            made = Image.open(io.BytesIO(images.save(draw(), kind)))
            assert kept.size == made.size and kept.format == kind, name
            if kind == "PNG":
                assert kept.tobytes() == made.tobytes(), name
            else:  # a JPEG encoder of another version may round a few values otherwise
                diff = sum(abs(a - b) for a, b in zip(kept.convert("L").tobytes(),
                                                      made.convert("L").tobytes(),
                                                      strict=True))
                assert diff / (kept.size[0] * kept.size[1]) < 2, name


def test_the_sample_holds_what_the_tests_need() -> None:
    figures = source_figures(ROOT)
    assert len(figures) >= 3
    assert {Path(f.src).suffix for f in figures} >= {".png", ".jpg"}
    assert all(f.alt and f.caption for f in figures)
    assert any(f.share < 100 for f in figures)
    sizes = [Image.open((ROOT / f.file).parent / f.src).size for f in figures]
    assert max(w * h for w, h in sizes) > 4_000_000  # one the EPUB gets scaled down
    text = "".join((ROOT / f.file).read_text(encoding="utf-8") for f in figures)
    assert "{#estuary-map}" in text and "(#estuary-map){.page}" in text


def test_every_figure_is_in_the_epub_with_its_alt_text_and_numbered_caption(
        sample: Built) -> None:
    wanted = source_figures(ROOT)
    found = [(name, figure) for name in sample.epub.spine()
             for figure in sample.epub.xml(name).iterfind(".//x:figure", NS)]
    assert len(found) == len(wanted)
    for number, (source, (name, figure)) in enumerate(zip(wanted, found, strict=True), 1):
        img = figure.find("x:img", NS)
        assert img is not None and img.get("alt") == source.alt
        caption = one_line("".join(figure.find("x:figcaption", NS).itertext()))
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", source.caption).replace("*", "")
        assert caption == f"Figure {number}. {plain}".replace("'", "\u2019")
        target = sample.epub.resolve(str(img.get("src")), name)
        assert target in sample.epub.zip.namelist(), target
        with Image.open(io.BytesIO(sample.epub.zip.read(target))) as image:
            kinds = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
            assert image.format == kinds[target.rsplit(".", 1)[1]]
            assert image.size[0] * image.size[1] <= 4_000_000  # Apple Books' limit
            assert image.mode in ("RGB", "RGBA")  # the colours the author gave
        types = sample.epub.opf.xpath(f"//opf:item[@href='{target.split('/', 1)[1]}']"
                                      "/@media-type", namespaces=NS)
        assert types == [{"PNG": "image/png", "JPEG": "image/jpeg"}[image.format]]


def test_the_epub_says_it_has_images_with_text_alternatives(sample: Built) -> None:
    def values(prop: str) -> list[str]:
        return [str(v).strip() for v in sample.epub.opf.xpath(
            f"//opf:meta[@property='{prop}']/text()", namespaces=NS)]
    assert "visual" in values("schema:accessMode")
    assert "alternativeText" in values("schema:accessibilityFeature")
    assert "no images" not in values("schema:accessibilitySummary")[0]


def tagged_figures(pdf: Path) -> list[tuple[str, str]]:
    """The PDF's structure tree's figures, in reading order: (the page label, alt text)."""
    out: list[tuple[str, str]] = []
    with pikepdf.open(pdf) as document:
        pages: dict[Any, int] = {page.objgen: index for index, page in enumerate(document.pages)}
        labels = pypdfium2.PdfDocument(pdf)
        try:
            def walk(node: object, page: pikepdf.Object | None) -> None:
                if isinstance(node, pikepdf.Array):
                    for child in node:
                        walk(child, page)
                elif isinstance(node, pikepdf.Dictionary):
                    page = node.get("/Pg", page)
                    if node.get("/S") == "/Figure":
                        assert page is not None, "a figure on no page"
                        out.append((labels.get_page_label(pages[page.objgen]),
                                    str(node.get("/Alt", ""))))
                    if "/K" in node:
                        walk(node.K, page)
            walk(document.Root.StructTreeRoot.get("/K"), None)
        finally:
            labels.close()
    return out


def test_every_figure_has_its_alt_text_in_the_pdf(sample: Built) -> None:
    """A tagged PDF (read by screen readers and by PDF/UA checkers): each figure drawn is a
    Figure of its structure tree, on its page, with the source's alt text."""
    wanted = [f.alt for f in source_figures(ROOT)]
    drawn = [image.label for image in drawn_images(sample.pdf)]
    tagged = tagged_figures(sample.pdf)
    assert [alt for _, alt in tagged] == wanted
    assert [page for page, _ in tagged] == drawn
    with pikepdf.open(sample.pdf) as pdf:
        assert bool(pdf.Root.MarkInfo.Marked) and str(pdf.Root.Lang) == "en"


def test_every_figure_is_printed_grey_at_the_text_blocks_width(sample: Built) -> None:
    wanted = source_figures(ROOT)
    drawn = drawn_images(sample.pdf)
    assert len(drawn) == len(wanted)
    block_width, block_height = text_block_mm(ROOT)
    for source, image in zip(wanted, drawn, strict=True):
        with Image.open((ROOT / source.file).parent / source.src) as original:
            assert image.pixels == original.size
            width, height = original.size
        expected = min(block_width * source.share / 100, block_height * 0.75 * width / height)
        assert abs(image.width_mm - expected) < 0.3, (source.src, image.width_mm, expected)
        assert abs(image.width_mm / image.height_mm - width / height) < 0.01
    with pikepdf.open(sample.pdf) as pdf:
        spaces = [str(obj.get("/ColorSpace")) for obj in pdf.objects
                  if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
                  and not bool(obj.get("/ImageMask", False))]
    assert len(spaces) == len(wanted) and set(spaces) == {"/DeviceGray"}, spaces


def test_publish_check_reports_each_figures_printed_resolution(sample: Built) -> None:
    drawn = drawn_images(sample.pdf)
    reported = sample.findings["figures"]
    assert len(reported) == len(drawn)
    for number, (image, (severity, message)) in enumerate(zip(drawn, reported, strict=True), 1):
        ppi = int(image.pixels[0] / (image.width_mm / 25.4))
        assert message.startswith(f"figure {number}: ") and f"{ppi} ppi" in message, message
        assert severity == ("warning" if ppi < 300 else "info"), message
    assert any(severity == "warning" for severity, _ in reported)  # the heron, at ~234 ppi


def test_the_build_warns_of_a_figure_below_300_ppi(sample: Built) -> None:
    heron = next(f for f in source_figures(ROOT) if f.src.endswith("heron.jpg"))
    assert len(sample.warnings) == 1
    assert sample.warnings[0].startswith(f"annotated/{heron.file}:{heron.line}: warning "
                                         "S-IMAGE-RESOLUTION:"), sample.warnings


def test_a_cross_reference_prints_the_page_its_figure_is_drawn_on(sample: Built) -> None:
    first = drawn_images(sample.pdf)[0]
    document = pypdfium2.PdfDocument(sample.pdf)
    try:
        text = " ".join(document[i].get_textpage().get_text_range()
                        for i in range(len(document)))
    finally:
        document.close()
    printed = re.search(r"The map \(Figure 1, page (\w+)\)", one_line(text))
    assert printed and printed[1] == first.label
    epub_text = one_line(" ".join("".join(sample.epub.xml(n).itertext())
                                  for n in sample.epub.spine()))
    assert f"The map (Figure 1, page {first.label})" in epub_text


def test_the_checks_pass_with_figures(sample: Built) -> None:
    for check in ("epubcheck", "ace", "preflight", "navigation", "pages", "glyphs"):
        assert sample.findings[check] == [], check


# --- bad images ------------------------------------------------------------------------

def png(size: tuple[int, int], colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _write(name: str, data: bytes | Callable[[Path], None]) -> Callable[[Path], None]:
    def make(book: Path) -> None:
        path = book / "images" / name
        path.parent.mkdir(exist_ok=True)
        if callable(data):
            data(path)
        else:
            path.write_bytes(data)
    return make


def _fifo(path: Path) -> None:
    os.mkfifo(path)


# (what is written into the book's images/, the image as the text names it, the code and
# words of the message or fix)
BAD: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    "too coarse to print": (_write("seal.png", png((200, 150))), "../images/seal.png",
                            "S-IMAGE-RESOLUTION", "would print at"),
    "too many pixels": (_write("seal.png", png((8000, 8000))), "../images/seal.png",
                        "S-TOO-LARGE", "pixels"),
    "too many bytes": (_write("seal.png", b"\x89PNG" + bytes(33 << 20)), "../images/seal.png",
                       "S-TOO-LARGE", "at most 32 MB"),
    "a PNG named as a JPEG": (_write("seal.jpg", png((2000, 1500))), "../images/seal.jpg",
                              "S-IMAGE", "rename it to .png"),
    "a damaged PNG": (_write("seal.png", png((2000, 1500))[:60]), "../images/seal.png",
                      "S-IMAGE", "damaged"),
    "text named as an image": (_write("seal.png", b"GIF89a, or anything"),
                               "../images/seal.png", "S-IMAGE", "not a PNG or JPEG"),
    "a FIFO named as an image": (_write("seal.png", _fifo), "../images/seal.png",
                                 "S-NOT-REGULAR", "FIFO"),
    "an image outside the book": (lambda book: None, "../../outside.png", "S-OUTSIDE",
                                  "outside"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_image_is_refused_with_its_line(case: str, minimal: Path, last_good: Path
                                              ) -> None:
    make, src, code, words = BAD[case]
    make(minimal)
    (minimal.parent / "outside.png").write_bytes(png((2000, 1500)))
    text = minimal / "text" / "01-first.md"
    body = text.read_text(encoding="utf-8")
    text.write_text(body.replace("Dear Comrades,", f"![a seal]({src})"), encoding="utf-8")
    line = body[:body.index("Dear Comrades,")].count("\n") + 1
    before = snapshot(last_good)
    result = CliRunner().invoke(app, ["build", str(minimal), "-o", str(last_good)])
    assert result.exit_code == 1, result.output
    assert f"minimal/text/01-first.md:{line}: {code}:" in result.output, result.output
    assert words in result.output and "fix:" in result.output
    assert "Traceback" not in result.output
    assert snapshot(last_good) == before


def test_the_samples_coarse_copy_is_refused(tmp_path: Path) -> None:
    """The sample with its heron at a third of the pixels: below 150 ppi, refused."""
    copy = tmp_path / "annotated"
    shutil.copytree(ROOT, copy)
    heron = next(f for f in source_figures(ROOT) if f.src.endswith("heron.jpg"))
    with Image.open(copy / "images" / "heron.jpg") as image:
        image.resize((image.width // 3, image.height // 3)).save(copy / "images" / "heron.jpg")
    result = CliRunner().invoke(app, ["build", str(copy), "-o", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert f"annotated/{heron.file}:{heron.line}: S-IMAGE-RESOLUTION:" in result.output
    assert not (tmp_path / "dist").exists()


def test_a_changed_image_is_built_again(minimal: Path, tmp_path: Path) -> None:
    """The image's bytes are in the cache keys: a new image under the same name is built."""
    (minimal / "images").mkdir()
    (minimal / "images" / "plan.png").write_bytes(png((1500, 1000), "white"))
    text = minimal / "text" / "01-first.md"
    text.write_text(text.read_text(encoding="utf-8").replace(
        "Dear Comrades,", "![a plan](../images/plan.png)\n\nDear Comrades,"), encoding="utf-8")
    out = tmp_path / "dist"

    def epub_image() -> bytes:
        epub = Epub(out / "minimal.epub")
        try:
            for name in epub.spine():
                img = epub.xml(name).find(".//x:figure//x:img", NS)  # not the cover
                if img is not None:
                    return epub.zip.read(epub.resolve(str(img.get("src")), name))
        finally:
            epub.zip.close()
        raise AssertionError("no image in the EPUB")

    build(minimal, out, ["epub"])
    first = epub_image()
    (minimal / "images" / "plan.png").write_bytes(png((1500, 1000), "black"))
    again = build(minimal, out, ["epub"])
    assert "epub" not in again.reused
    assert epub_image() != first



# --- the pages cross-references print (publish check's `pages`) ------------------------

def test_publish_check_finds_a_printed_page_that_is_not_the_targets(sample: Built,
                                                                    tmp_path: Path) -> None:
    """The sample's references pass (test_the_checks_pass_with_figures); one number
    changed in the EPUB is found, in both comparisons."""
    from publish.checks.xrefs import page_references_printed

    source = Path(sample.epub.zip.filename or "")
    changed = tmp_path / "changed.epub"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(changed, "w") as new:
        done = False
        for info in old.infolist():
            data = old.read(info.filename)
            if not done and b'data-target="#estuary-map">' in data:
                data = re.sub(rb'(data-target="#estuary-map">)(\w+)<', rb"\g<1>99<", data, count=1)
                done = True
            new.writestr(info, data)
    assert done
    found = page_references_printed(changed, sample.pdf)
    assert [f.code for f in found] == ["V-PAGE-REF", "V-PAGE-REF"], found
    assert page_references_printed(source, sample.pdf) == []
