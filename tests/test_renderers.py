"""Every renderer draws the print PDF's Chinese the same: Ghostscript and MuPDF, which follow
the PDF standard's rule for CID-keyed fonts to the letter (as a printer's RIP does), against
pdfium, which `publish proof` and the tests' read-back use.

A CID-keyed face embedded with its CIDs out of step with its glyph numbers drew boxes in
Ghostscript and nothing in MuPDF on Seven Letters' imprint page, while pdfium showed it
right (fonts/README.md: CIDs). Each page is drawn by all three at 300 dpi, grey, and the
drawings are compared as the ink in cells 2 mm square: a wrong glyph, a box or a gap changes
a cell by 0.27 or more of full black, two renderers' antialiasing and hinting by 0.09 at most.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
from PIL import Image, ImageChops

from publish.build.pipeline import build

from .test_fonts_shipped import make_subsets

DPI = 300
CELL = 24  # pixels at 300 dpi: 2 mm
MOST = 0.15  # the largest difference of a cell's ink, as a part of full black
# What MuPDF and Ghostscript say when a font does not give them a glyph.
GLYPH_TROUBLE = ("cannot render glyph", "FT_Load_Glyph", "invalid font", "Error", "error:")

# Written for this test: a paragraph in Chinese among the English of a letter.
CHINESE_PARAGRAPH = "[这封信是为测试写的：北京的出版社在一九六四年印了两封信。]{lang=zh-Hans}"

def pdfium(pdf: Path, page: int) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        drawing: Image.Image = document[page - 1].render(scale=DPI / 72).to_pil()
        return drawing.convert("L")
    finally:
        document.close()


def ghostscript(pdf: Path, page: int) -> tuple[Image.Image, str]:
    run = subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", f"-r{DPI}",
         "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-dFirstPage={page}",
         f"-dLastPage={page}", "-sOutputFile=-", str(pdf)],
        capture_output=True, timeout=120, check=True)
    return Image.open(io.BytesIO(run.stdout)).convert("L"), run.stderr.decode()


def mupdf(pdf: Path, page: int) -> tuple[Image.Image, str]:
    run = subprocess.run(["mutool", "draw", "-q", "-F", "png", "-c", "gray", f"-r{DPI}",
                          "-o", "-", str(pdf), str(page)],
                         capture_output=True, timeout=120, check=True)
    # MuPDF without colour management says so on every run: not about the fonts.
    said = "\n".join(line for line in run.stderr.decode().splitlines() if "ICC" not in line)
    return Image.open(io.BytesIO(run.stdout)).convert("L"), said


def worst_cell(one: Image.Image, other: Image.Image) -> float:
    """The largest difference between the two drawings' ink in a 2 mm cell, 0 to 1. The
    drawings may differ by a pixel in size (rounding of the page's size): both are cut to
    the smaller one, from the top left, where the page's origin is for all three."""
    width, height = min(one.width, other.width), min(one.height, other.height)
    cells = [image.crop((0, 0, width, height)).reduce(CELL) for image in (one, other)]
    _, largest = ImageChops.difference(*cells).getextrema()
    assert isinstance(largest, int)  # a grey image's extrema: two ints
    return largest / 255


def pages_with_han(pdf: Path) -> list[int]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [number for number, page in enumerate(document, start=1)
                if any("\u4e00" <= char <= "\u9fff"
                       for char in page.get_textpage().get_text_range())]
    finally:
        document.close()


def assert_drawn_alike(pdf: Path, page: int) -> None:
    reference = pdfium(pdf, page)
    for name, (drawing, said) in (("Ghostscript", ghostscript(pdf, page)),
                                  ("MuPDF", mupdf(pdf, page))):
        assert not [word for word in GLYPH_TROUBLE if word in said], f"{name}: {said}"
        assert worst_cell(reference, drawing) < MOST, (
            f"{name} draws page {page} of {pdf.name} otherwise than pdfium")


def test_every_renderer_draws_seven_letters_imprint_alike(seven_letters: Path) -> None:
    pdf = seven_letters / "seven-letters.pdf"
    pages = pages_with_han(pdf)
    assert pages == [2], "the imprint, and only the imprint, is in Chinese"
    assert_drawn_alike(pdf, 2)


def test_every_renderer_draws_chinese_in_the_text_alike(minimal: Path, tmp_path: Path) -> None:
    letter = minimal / "text" / "01-first.md"
    letter.write_text(letter.read_text(encoding="utf-8") + f"\n{CHINESE_PARAGRAPH}\n",
                      encoding="utf-8")
    build(minimal, tmp_path / "dist")
    pdf = tmp_path / "dist" / "minimal.pdf"
    pages = pages_with_han(pdf)
    assert len(pages) >= 2, "the imprint and the letter's page are in Chinese"
    for page in pages:
        assert_drawn_alike(pdf, page)


def test_the_comparison_sees_a_misaddressed_font(seven_letters: Path, tmp_path: Path) -> None:
    """The test's own measure, on the fault it is for: the imprint with its Chinese face's
    CIDs renumbered after it was embedded (every CID moved by one: the fault of the face
    shipped before fonts/README.md's CIDs), as Ghostscript draws it, against pdfium's
    drawing of the imprint as built."""
    built = seven_letters / "seven-letters.pdf"
    pdf = pikepdf.open(built)
    for descriptor in pdf.objects:
        if (isinstance(descriptor, pikepdf.Dictionary) and "/FontFile3" in descriptor
                and "Noto" in str(descriptor.get("/FontName"))):
            stream = descriptor.FontFile3
            stream.write(make_subsets().shifted_cids(stream.read_bytes(), 1))
    broken = tmp_path / "broken.pdf"
    pdf.save(broken)
    drawing, _ = ghostscript(broken, 2)
    assert worst_cell(pdfium(built, 2), drawing) > MOST
