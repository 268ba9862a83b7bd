"""The cover's back as a bookseller's scanner and a printer's RIP read it: the ISBN's
barcode (and its price add-on) decoded by zbar from the rendered cover, where the print
service wants it, in black ink only (Ghostscript's separations), and the description as the
back cover's text.

KDP's barcode box (the default service) is typed here from its published rule: 2 × 1.2 in,
its right side 0.25 in from the spine, its foot 0.25 in from the bottom trim."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
import yaml
from PIL import Image

from publish.build.pipeline import build
from publish.errors import SourceError

from .conftest import ROOTS
from .readback import letters

NOVEL = ROOTS / "novel"
DPI = 600
BOX_IN = (2.0, 1.2)  # KDP's barcode box
FROM_SPINE_IN, FROM_FOOT_IN = 0.25, 0.25
CURRENCY_DIGIT = {"USD": "5", "CAD": "6", "AUD": "3", "NZD": "4", "GBP": "0"}  # Bookland


@pytest.fixture(scope="module")
def novel(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    out = tmp_path_factory.mktemp("novel-cover")
    build(NOVEL, out, ["pdf", "cover"])
    meta = yaml.safe_load((NOVEL / "book.yaml").read_text(encoding="utf-8"))
    return meta, out / "novel-cover.pdf"


def rendered(pdf: Path, folder: Path) -> Image.Image:
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", str(pdf),
                    str(folder / "cover")], check=True)
    return Image.open(folder / "cover.png")


def decoded(image: Image.Image, folder: Path) -> set[str]:
    """What zbar reads in the picture: 'EAN-13:978...', 'EAN-5:51299'."""
    path = folder / "scan.png"
    image.save(path)
    run = subprocess.run(["zbarimg", "-q", "-Sean5.enable", str(path)], capture_output=True,
                         text=True, check=False)
    assert run.returncode in (0, 4), run.stderr  # 4: no barcode found
    return set(run.stdout.split())


def box(pdf: Path, trim_width_in: float) -> tuple[float, float, float, float]:
    """Where the barcode box is, in inches from the spread's top left (its MediaBox)."""
    with pikepdf.open(pdf) as document:
        page = document.pages[0].obj
        media = [float(v) / 72 for v in page.MediaBox]
        trim = [float(v) / 72 for v in page.TrimBox]
    right = trim[0] - media[0] + trim_width_in - FROM_SPINE_IN  # the back panel's right side
    bottom = media[3] - trim[1] - FROM_FOOT_IN
    return right - BOX_IN[0], bottom - BOX_IN[1], right, bottom


def expected(meta: dict[str, object]) -> set[str]:
    isbn = str(meta["isbn"]["print"]).replace("-", "")  # type: ignore[index]
    price = next(p for p in meta["prices"] if p["edition"] == "print")  # type: ignore[attr-defined]
    addon = CURRENCY_DIGIT[price["currency"]] + f"{round(float(price['amount']) * 100):04d}"
    return {f"EAN-13:{isbn}", f"EAN-5:{addon}"}


def test_the_barcode_reads_as_the_isbn_and_its_price(novel: tuple[dict[str, object], Path],
                                                     tmp_path: Path) -> None:
    meta, pdf = novel
    assert decoded(rendered(pdf, tmp_path), tmp_path) == expected(meta)


def test_the_barcode_is_in_the_service_s_box_in_black_only(
        novel: tuple[dict[str, object], Path], tmp_path: Path) -> None:
    meta, pdf = novel
    width_in = float(str(meta["print"]["trim_width"]).removesuffix("in"))  # type: ignore[index]
    left, top, right, bottom = (round(v * DPI) for v in box(pdf, width_in))
    crop = rendered(pdf, tmp_path).crop((left, top, right, bottom))
    assert decoded(crop, tmp_path) == expected(meta), "the barcode stands in KDP's box"
    subprocess.run(["gs", "-q", "-dSAFER", "-sDEVICE=tiffsep", f"-r{DPI // 4}",
                    "-o", str(tmp_path / "sep.tif"), str(pdf)], check=True)
    quarter = (left // 4, top // 4, right // 4, bottom // 4)
    for ink in ("Cyan", "Magenta", "Yellow", "Black"):
        plate = Image.open(tmp_path / f"sep({ink}).tif").convert("L").crop(quarter)
        darkest, _ = plate.getextrema()
        assert isinstance(darkest, int)
        inked = darkest < 128  # a separation is white where it has no ink
        assert inked == (ink == "Black"), f"the barcode box has {ink} ink"


def test_the_back_cover_text_is_the_description(novel: tuple[dict[str, object], Path]
                                                ) -> None:
    meta, pdf = novel
    width_pt = round(float(str(meta["print"]["trim_width"]).removesuffix("in")) * 72)  # type: ignore[index]
    back = subprocess.run(["pdftotext", "-x", "0", "-y", "0", "-W", str(width_pt), "-H", "2000",
                           str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert letters(str(meta["description"])) in letters(back)


def test_a_book_with_no_isbn_has_no_barcode(seven_letters: Path, tmp_path: Path) -> None:
    meta = yaml.safe_load((ROOTS.parent.parent / "source" / "book.yaml").read_text("utf-8"))
    assert "isbn" not in meta  # KDP prints its own barcode in the box, left free
    assert decoded(rendered(seven_letters / "seven-letters-cover.pdf", tmp_path),
                   tmp_path) == set()


def test_back_cover_text_is_printed_instead_of_the_description(minimal: Path,
                                                                tmp_path: Path) -> None:
    meta_file = minimal / "book.yaml"
    text = meta_file.read_text(encoding="utf-8")
    meta_file.write_text(text + "back_cover: Two letters, and what they say of each other.\n",
                         encoding="utf-8")
    build(minimal, tmp_path / "dist", ["cover"])
    back = subprocess.run(["pdftotext", str(tmp_path / "dist" / "minimal-cover.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "what they say of each other" in back
    assert "used by the tests" not in back  # the description: "Two short letters used by..."


def test_a_back_cover_text_too_long_for_the_back_is_refused(minimal: Path,
                                                              tmp_path: Path) -> None:
    meta_file = minimal / "book.yaml"
    words = " ".join(["A letter said what the other letter said of it."] * 38)  # 1,900 letters
    meta_file.write_text(meta_file.read_text(encoding="utf-8") + f"back_cover: {words}\n",
                         encoding="utf-8")
    with pytest.raises(SourceError) as refused:
        build(minimal, tmp_path / "dist", ["cover"])
    assert refused.value.code == "S-BACK-COVER"
    assert refused.value.location().startswith("book.yaml:")
    assert not (tmp_path / "dist" / "minimal-cover.pdf").exists()
