"""The fonts in fonts/: present, licensed, loadable, covering what the book needs, and small."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from fontTools.ttLib import TTFont

from publish.build.pipeline import build
from publish.errors import OutputError, SourceError
from publish.layout.interior import SHEETS
from publish.layout.typeset import render_document, write_pdf
from publish.source.fonts import misaddressed, shipped_faces
from publish.source.load import load_book
from publish.stage import Job

FONTS = Path(__file__).resolve().parent.parent / "fonts"
MAX_TOTAL_BYTES = 12 * 1024 * 1024

# Characters every Latin face must have besides printable ASCII.
LATIN_PUNCTUATION = "\u00a0\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00d7"
ASCII = "".join(chr(cp) for cp in range(0x20, 0x7F))

IMPRINT_LINES = (
    "中共中央和苏共中央来往的七封信",
    "外文出版社出版（北京）",
    "1964年袖珍本第一版",
    "编号：（英）3050—938",
)
# What the imprint mixes with the Chinese: full-width punctuation, the em dash, digits.
CJK_PUNCTUATION = "（）：，。、；“”—…"


def gb2312() -> dict[str, str]:
    """Every character of GB 2312, decoded with Python's codec, by its code in hex."""
    chars: dict[str, str] = {}
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            try:
                chars[f"{lead:02X}{trail:02X}"] = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
    return chars


def gb2312_hanzi() -> dict[str, str]:
    """The 6763 hanzi of GB 2312: rows 16-55 (level 1) and 56-87 (level 2)."""
    return {code: char for code, char in gb2312().items() if 0xB0 <= int(code[:2], 16) <= 0xF7}


@cache
def listing() -> list[dict[str, Any]]:
    data = yaml.safe_load((FONTS / "fonts.yaml").read_text(encoding="utf-8"))
    faces: list[dict[str, Any]] = data["faces"]
    return faces


@cache
def cmap(file: str) -> frozenset[int]:
    with TTFont(FONTS / file, lazy=True) as font:
        return frozenset(font.getBestCmap())


def faces(role: str | None = None) -> list[dict[str, Any]]:
    return [face for face in listing() if role is None or face["role"] == role]


def ids(role: str | None = None) -> list[str]:
    return [str(face["file"]) for face in faces(role)]


def missing(file: str, chars: str) -> list[str]:
    covered = cmap(file)
    return sorted({f"U+{ord(c):04X} {c}" for c in chars if ord(c) not in covered})


def test_listing_has_both_roles_and_valid_fields() -> None:
    assert {face["role"] for face in listing()} == {"latin", "cjk"}
    for face in listing():
        assert face["style"] in {"normal", "italic"}, face
        assert face["weight"] in {400, 700}, face
        assert isinstance(face["family"], str) and face["family"].strip(), face
    latin = {(face["style"], face["weight"]) for face in faces("latin")}
    assert {("normal", 400), ("italic", 400), ("normal", 700)} <= latin
    assert len({face["family"] for face in faces("latin")}) == 1
    assert len({face["file"] for face in listing()}) == len(listing())


@pytest.mark.parametrize("face", faces(), ids=ids())
def test_face_exists_and_loads(face: dict[str, Any]) -> None:
    path = FONTS / face["file"]
    assert path.is_file(), f"{path} is listed in fonts.yaml but missing"
    assert path.suffix in {".otf", ".ttf"}
    assert path.read_bytes()[:4] in {b"OTTO", b"\x00\x01\x00\x00"}, "not a single-face OTF/TTF"
    with TTFont(path) as font:
        assert font.getBestCmap(), "no Unicode cmap"
        assert font.getGlyphOrder()[0] == ".notdef"
        os2 = font["OS/2"]
        assert not os2.fsType & 0x0002, "restricted licence embedding"
        italic = bool(font["head"].macStyle & 0b10)
        bold = bool(font["head"].macStyle & 0b01)
        assert italic == (face["style"] == "italic"), "style does not match the font"
        assert bold == (face["weight"] == 700), "weight does not match the font"


@pytest.mark.parametrize("face", faces(), ids=ids())
def test_vertical_metrics_are_sane(face: dict[str, Any]) -> None:
    with TTFont(FONTS / face["file"], lazy=True) as font:
        upem = font["head"].unitsPerEm
        hhea, os2 = font["hhea"], font["OS/2"]
        assert hhea.ascent > 0 > hhea.descent
        assert 1.0 <= (hhea.ascent - hhea.descent + hhea.lineGap) / upem <= 1.7
        assert os2.sTypoAscender > 0 > os2.sTypoDescender
        assert os2.usWinAscent > 0 and os2.usWinDescent > 0


@pytest.mark.parametrize("face", faces(), ids=ids())
def test_face_has_a_licence_named_in_readme(face: dict[str, Any]) -> None:
    licence = FONTS / face["license"]
    assert licence.is_file(), f"{licence} missing"
    text = licence.read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    readme = (FONTS / "README.md").read_text(encoding="utf-8")
    assert face["file"] in readme, "the README does not describe this file"
    assert face["license"] in readme, "the README does not name this face's licence file"


@pytest.mark.parametrize("face", faces("latin"), ids=ids("latin"))
def test_latin_face_covers_ascii_and_book_punctuation(face: dict[str, Any]) -> None:
    assert missing(face["file"], ASCII + LATIN_PUNCTUATION) == []


@pytest.mark.parametrize("face", faces("cjk"), ids=ids("cjk"))
def test_cjk_face_covers_every_gb2312_hanzi(face: dict[str, Any]) -> None:
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    assert missing(face["file"], "".join(hanzi.values())) == []


@pytest.mark.parametrize("face", faces("cjk"), ids=ids("cjk"))
def test_cjk_face_covers_all_of_gb2312(face: dict[str, Any]) -> None:
    chars = gb2312()
    assert len(chars) == 7445
    assert missing(face["file"], "".join(chars.values())) == []


@pytest.mark.parametrize("face", faces("cjk"), ids=ids("cjk"))
def test_cjk_face_covers_the_imprint(face: dict[str, Any]) -> None:
    # Python's gb2312 codec gives U+2015 for the GB 2312 dash; the imprint uses U+2014.
    text = "".join(IMPRINT_LINES) + CJK_PUNCTUATION + ASCII
    assert missing(face["file"], text) == []


def test_fonts_folder_stays_small() -> None:
    total = sum(path.stat().st_size for path in FONTS.rglob("*") if path.is_file())
    assert total < MAX_TOTAL_BYTES, f"fonts/ holds {total} bytes"


def _installed_with_family(family: str) -> list[Path]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("fc-list is not installed")
    out = subprocess.run(
        [fc_list, "--format", "%{file}\n", f":family={family}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [Path(line) for line in out.splitlines() if line]


@pytest.mark.parametrize("family", sorted({face.css_family for face in shipped_faces()}))
def test_no_installed_font_shares_a_css_family(family: str) -> None:
    """WeasyPrint looks @font-face families up among the system's fonts as well; a system
    font of the same name could be embedded instead of the shipped one."""
    assert _installed_with_family(family) == []


def make_subsets() -> ModuleType:
    """tools/make_subsets.py as a module (it is a script, not part of the package)."""
    script = FONTS.parent / "tools" / "make_subsets.py"
    spec = importlib.util.spec_from_file_location("make_subsets", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cjk_subset_matches_what_make_subsets_asks_for() -> None:
    script = make_subsets()
    (face,) = faces("cjk")
    assert face["file"] == script.CJK_OUTPUT
    assert sorted(script.cjk_codepoints() - cmap(face["file"])) == []


@pytest.mark.skipif(
    os.environ.get("PUBLISH_SLOW_TESTS") != "1",
    reason="rebuilding the fonts takes ~45 s; set PUBLISH_SLOW_TESTS=1",
)
def test_make_subsets_reproduces_the_shipped_files(tmp_path: Path) -> None:
    script = make_subsets()
    if not script.DEFAULT_CJK_TTC.is_file():
        pytest.skip(f"{script.DEFAULT_CJK_TTC} is not installed")
    assert script.main(["--out-dir", str(tmp_path)]) == 0
    for face in listing():
        rebuilt = (tmp_path / face["file"]).read_bytes()
        assert rebuilt == (FONTS / face["file"]).read_bytes(), face["file"]


@pytest.mark.parametrize("file", ids())
def test_every_shipped_face_is_addressed_by_glyph_number(file: str) -> None:
    """What the PDF writes for a glyph is what the face means by it (fonts/README.md: CIDs)."""
    assert misaddressed(FONTS / file) is None


def test_a_face_whose_cids_are_not_its_glyph_numbers_is_refused(tmp_path: Path) -> None:
    """A CID-keyed face as the collections give them (CIDs of a character collection, not the
    glyph numbers) stops the build at its line of fonts.yaml, with what to do."""
    (latin,) = [face for face in faces("latin") if face["style"] == "normal"
                and face["weight"] == 400]
    (cjk,) = faces("cjk")
    shutil.copy(FONTS / latin["file"], tmp_path)
    (tmp_path / "Collection-CIDs.otf").write_bytes(
        make_subsets().shifted_cids((FONTS / cjk["file"]).read_bytes(), 100))
    (tmp_path / "fonts.yaml").write_text(yaml.safe_dump({"faces": [
        latin, {**cjk, "file": "Collection-CIDs.otf"}]}, sort_keys=False), encoding="utf-8")
    with pytest.raises(SourceError) as refused:
        shipped_faces(tmp_path)
    error = refused.value
    assert error.code == "S-FONT-CID"
    listed = (tmp_path / "fonts.yaml").read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(listed, start=1)
                if "Collection-CIDs.otf" in text)
    assert error.location() == f"{tmp_path.name}/fonts.yaml:{line}"
    assert "'Collection-CIDs.otf'" in error.message and "glyph 1 is CID 101" in error.message
    assert "TrueType" in error.fix


def test_nested_list_markers_come_from_the_shipped_faces(minimal: Path, tmp_path: Path) -> None:
    """The typesetter's own markers for nested lists (a circle, a square) are glyphs the
    Latin face lacks: the style draws others it has, and poppler lists no other font."""
    text = minimal / "text" / "01-first.md"
    text.write_text(text.read_text(encoding="utf-8")
                    + "\n- outer\n    - inner\n        - innermost\n", encoding="utf-8")
    build(minimal, tmp_path / "dist", ["pdf"])
    listed = subprocess.run(["pdffonts", str(tmp_path / "dist" / "minimal.pdf")],
                            capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    names = {line.split()[0].split("+", 1)[-1] for line in listed}
    assert names and all(name.endswith(("-Shipped", "-Shipped-Italic", "-Shipped-Bold",
                                        "-Shipped-BoldItalic")) for name in names), names


def test_a_glyph_from_a_font_of_the_machine_stops_the_build(minimal: Path) -> None:
    """A style that draws a character none of its faces has (here WeasyPrint's square list
    marker) would print it in a font of the building machine: the PDF is not written."""
    job = Job(book=load_book(minimal), faces=shipped_faces(), epoch=0)
    html = "<html lang='en'><body><ul><li>a point</li></ul></body></html>"
    write_pdf(job, render_document(job, html, SHEETS, ""))  # the style's own disc: no error
    with pytest.raises(OutputError) as refused:
        write_pdf(job, render_document(job, html, SHEETS, "ul { list-style-type: square; }"))
    assert refused.value.code == "O-FONT-FALLBACK"
