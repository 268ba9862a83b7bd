"""Rebuild the fonts shipped in ``fonts/`` from the Debian-installed originals.

Two things happen:

* The Latin book face, Gentium Book Plus (Debian ``fonts-sil-gentiumplus``), is
  copied **unmodified**: regular, italic, bold and bold italic.  It is not
  subset because "Gentium" and "SIL" are Reserved Font Names under the OFL, and
  a subset is a Modified Version that would have to be renamed.
* The Chinese face, Noto Serif CJK SC (Debian ``fonts-noto-cjk``), is taken out
  of ``NotoSerifCJK-Regular.ttc`` and subset to every character of GB 2312
  (computed by decoding every valid two-byte GB 2312 code with Python's
  ``gb2312`` codec), plus ASCII, Latin-1 and a few punctuation marks that the
  codec does not produce (U+2014 EM DASH, U+00B7 MIDDLE DOT, ...).  Outlines,
  hinting, vertical metrics (``hhea``, ``OS/2``, ``vhea``/``vmtx``/``VORG``) and
  the OpenType layout features useful for Simplified Chinese are kept.  The
  ``locl`` and ``aalt`` features are dropped: they would pull in the Japanese,
  Korean and Traditional Chinese glyph variants and nearly double the file.
  Its CIDs are then renumbered to its glyph order (CID n for glyph n; the
  Adobe-Identity-0 collection, whose CIDs mean nothing but the glyph): the PDF
  addresses glyphs by number, and a renderer that follows ISO 32000-1 §9.7.4.2
  takes those numbers as CIDs (the build refuses a face that breaks this:
  publish/source/fonts.py, S-FONT-CID).

The output is reproducible: the same input files and the same fontTools
version give byte-identical output (``head.modified`` is kept from the source
font instead of being set to the current time).

Usage::

    python tools/make_subsets.py
    python tools/make_subsets.py --cjk-ttc /path/NotoSerifCJK-Regular.ttc --out-dir fonts
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parents[1] / "fonts"

DEFAULT_LATIN_DIR = Path("/usr/share/fonts/truetype/gentiumplus")
DEFAULT_CJK_TTC = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
DEFAULT_CJK_FACE = "NotoSerifCJKsc-Regular"  # PostScript name of the SC face in the TTC
CJK_OUTPUT = "NotoSerifSC-Regular-GB2312.otf"

# Debian file name -> shipped file name (same name: the files are copied as they are).
LATIN_FILES: dict[str, str] = {
    "GentiumBookPlus-Regular.ttf": "GentiumBookPlus-Regular.ttf",
    "GentiumBookPlus-Italic.ttf": "GentiumBookPlus-Italic.ttf",
    "GentiumBookPlus-Bold.ttf": "GentiumBookPlus-Bold.ttf",
    "GentiumBookPlus-BoldItalic.ttf": "GentiumBookPlus-BoldItalic.ttf",
}

# Strings that must render from the CJK face alone (the book's Chinese imprint).
IMPRINT_LINES: tuple[str, ...] = (
    "中共中央和苏共中央来往的七封信",
    "外文出版社出版（北京）",
    "1964年袖珍本第一版",
    "编号：（英）3050—938",
)

# Characters added to GB 2312.  Python's gb2312 codec maps the GB 2312 dash
# (0xA1AA) to U+2015 and the middle dot (0xA1A4) to U+30FB, so U+2014 and
# U+00B7, which real-world text uses, must be added explicitly.
EXTRA_PUNCTUATION = (
    "\u2002\u2003"  # en and em space
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphens and dashes
    "\u2018\u2019\u201c\u201d"  # curly quotes
    "\u2022\u2025\u2026\u2027"  # bullet, two-dot leader, ellipsis, hyphenation point
    "\u2e3a\u2e3b"  # two- and three-em dash
    "\u3000\u3001\u3002"  # ideographic space, comma, full stop
    "\uff5f\uff60"  # full-width white parentheses
)
EXTRA_CODEPOINTS: frozenset[int] = frozenset(
    [
        *range(0x0020, 0x007F),  # ASCII
        *range(0x00A0, 0x0100),  # Latin-1 Supplement (incl. NO-BREAK SPACE)
        *map(ord, EXTRA_PUNCTUATION),
    ]
)

# OpenType features kept in the CJK subset.
CJK_LAYOUT_FEATURES: tuple[str, ...] = (
    *("ccmp", "liga", "calt", "mark"),  # composition, ligatures
    *("kern", "palt", "halt"),  # horizontal spacing
    *("vert", "vrt2", "vkrn", "vpal", "vhal"),  # vertical setting
    *("fwid", "hwid", "pwid"),  # full-/half-/proportional-width forms
)

UNIQUE_ID_SUFFIX = ";GB2312-subset"


def gb2312_characters() -> frozenset[str]:
    """Return every character Python's ``gb2312`` codec decodes from a two-byte code."""
    chars: set[str] = set()
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def cjk_codepoints() -> frozenset[int]:
    """Return the code points the CJK subset must map."""
    wanted = {ord(c) for c in gb2312_characters()} | set(EXTRA_CODEPOINTS)
    wanted |= {ord(c) for line in IMPRINT_LINES for c in line}
    return frozenset(wanted)


def find_face(ttc: Path, postscript_name: str) -> int:
    """Return the index of the face called ``postscript_name`` inside the collection ``ttc``."""
    collection = TTCollection(str(ttc), lazy=True)
    try:
        for index, face in enumerate(collection.fonts):
            if face["name"].getDebugName(6) == postscript_name:
                return index
    finally:
        collection.close()
    raise SystemExit(f"{ttc}: no face with PostScript name {postscript_name!r}")


def subset_cjk(ttc: Path, face_name: str, codepoints: Iterable[int]) -> tuple[bytes, int]:
    """Subset one face of ``ttc``; return the OTF bytes and the number of glyphs."""
    font = TTFont(str(ttc), fontNumber=find_face(ttc, face_name), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = list(CJK_LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = True
    options.recalc_bounds = False  # keep head/CFF bounding boxes of the original
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)

    # A subset is a different font: give it its own unique identifier.
    name_table = font["name"]
    for record in name_table.names:
        if record.nameID == 3:
            text = record.toUnicode()
            if not text.endswith(UNIQUE_ID_SUFFIX):
                record.string = text + UNIQUE_ID_SUFFIX

    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    glyph_count = len(font.getGlyphOrder())
    font.close()
    return identity_cids(buffer.getvalue()), glyph_count


def identity_cids(data: bytes) -> bytes:
    """The CID-keyed CFF font ``data`` with CID n for glyph n, all else unchanged."""
    return shifted_cids(data, 0)


def shifted_cids(data: bytes, shift: int) -> bytes:
    """The CID-keyed CFF font ``data`` with CID n + ``shift`` for glyph n (but .notdef, CID 0);
    ``shift`` 0 is the identity the build wants, any other the fault it refuses (the tests).

    Only the CFF table is decompiled and written again: the glyphs keep their numbers and
    outlines, and every other table (cmap, GSUB, GPOS, metrics) is copied byte for byte."""
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    top = font["CFF "].cff.topDictIndex[0]
    names = [".notdef"] + [f"cid{gid + shift:05d}" for gid in range(1, len(top.charset))]
    top.CharStrings.charStrings = {name: gid for gid, name in enumerate(names)}
    top.charset = names
    font.setGlyphOrder(names)
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    font.close()
    return buffer.getvalue()


def check_coverage(data: bytes, codepoints: Iterable[int]) -> list[int]:
    """Return the code points in ``codepoints`` that the font in ``data`` does not map."""
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    return sorted(cp for cp in codepoints if cp not in cmap)


def sha256(data: bytes) -> str:
    """Return the hexadecimal SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--latin-dir",
        type=Path,
        default=DEFAULT_LATIN_DIR,
        help=f"directory holding the Gentium Book Plus files (default: {DEFAULT_LATIN_DIR})",
    )
    parser.add_argument(
        "--cjk-ttc",
        type=Path,
        default=DEFAULT_CJK_TTC,
        help=f"Noto Serif CJK collection (default: {DEFAULT_CJK_TTC})",
    )
    parser.add_argument(
        "--cjk-face",
        default=DEFAULT_CJK_FACE,
        help=f"PostScript name of the face to extract (default: {DEFAULT_CJK_FACE})",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=HERE,
        help=f"where to write the fonts (default: {HERE})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Copy the Latin faces, write the CJK subset and print a summary."""
    args = parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)

    sources = [args.latin_dir / name for name in LATIN_FILES] + [args.cjk_ttc]
    if absent := [str(path) for path in sources if not path.is_file()]:
        print(
            "missing: " + ", ".join(absent) + "\n(install them with: "
            "apt-get install fonts-sil-gentiumplus fonts-noto-cjk)",
            file=sys.stderr,
        )
        return 2

    for source_name, target_name in LATIN_FILES.items():
        source = args.latin_dir / source_name
        target = out_dir / target_name
        shutil.copyfile(source, target)
        data = target.read_bytes()
        print(f"{target_name}: copied from {source}, {len(data)} bytes, sha256 {sha256(data)}")

    codepoints = cjk_codepoints()
    data, glyph_count = subset_cjk(args.cjk_ttc, args.cjk_face, codepoints)
    missing = check_coverage(data, codepoints)
    if missing:
        listed = " ".join(f"U+{cp:04X}" for cp in missing)
        print(f"{CJK_OUTPUT}: source font lacks {listed}", file=sys.stderr)
        return 1
    (out_dir / CJK_OUTPUT).write_bytes(data)
    print(
        f"{CJK_OUTPUT}: {args.cjk_face} from {args.cjk_ttc}, {len(codepoints)} characters, "
        f"{glyph_count} glyphs, {len(data)} bytes, sha256 {sha256(data)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
