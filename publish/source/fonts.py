"""The shipped fonts: which faces there are, what they cover, and subsets of them.

The build uses only the faces listed in `fonts/fonts.yaml`. A character that none
of them covers stops the build with its code point and the file and line it is on,
so nothing ever falls back silently to a font of the machine.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import uharfbuzz as hb
from fontTools import unicodedata as scripts
from fontTools.ttLib import TTFont
from pydantic import Field, StringConstraints, model_validator

from publish.errors import SourceError
from publish.resources import FONTS
from publish.source.load import inside, load_yaml
from publish.source.metadata import language_name
from publish.source.model import NonEmpty, Strict

if TYPE_CHECKING:

    from publish.source.model import Book



@dataclass(frozen=True)
class Face:
    file: Path
    family: str
    style: str
    weight: int
    role: str  # "latin" or "cjk"
    scripts: tuple[str, ...] = ()  # the ISO 15924 scripts fonts.yaml gives it for

    @cached_property
    def cmap(self) -> frozenset[int]:
        face = hb.Face(hb.Blob.from_file_path(str(self.file)))
        if face.glyph_count == 0:  # HarfBuzz reads anything that is not a font as empty
            raise ValueError("no glyphs")
        return frozenset(face.unicodes)

    @property
    def css_family(self) -> str:
        """The name the style sheets use. No installed font has it, so WeasyPrint, which
        looks @font-face families up among the system's fonts too, finds only ours."""
        return f"{self.family} Shipped"  # no brackets: WeasyPrint writes it into PDF names

    @property
    def format(self) -> str:
        return "opentype" if self.file.suffix == ".otf" else "truetype"


class Listed(Strict):
    """One face in fonts.yaml."""

    file: NonEmpty
    family: NonEmpty
    style: Literal["normal", "italic"]
    weight: Annotated[int, Field(ge=100, le=900)]
    role: Literal["latin", "cjk"]
    # The scripts (ISO 15924) the style sets in this face: Latn, Grek, Cyrl; Hani.
    scripts: Annotated[list[Annotated[str, StringConstraints(pattern=r"^[A-Z][a-z]{3}$")]],
                       Field(min_length=1)]
    license: NonEmpty | None = None  # the licence file beside the font; not read


class Listing(Strict):
    faces: Annotated[list[Listed], Field(min_length=1)]

    @model_validator(mode="after")
    def _a_face_of_each_role(self) -> Listing:
        missing = sorted({"latin", "cjk"} - {face.role for face in self.faces})
        if missing:
            raise ValueError(f"the style sheets need a face of each role; none is {missing[0]}")
        return self


def shipped_faces(folder: Path = FONTS) -> list[Face]:
    """The faces listed in `folder`/fonts.yaml, each file checked to be a font."""
    folder = folder.resolve()
    listing, lines = load_yaml(Listing, folder, "fonts.yaml")
    faces = []
    for index, listed in enumerate(listing.faces):
        line = lines[("faces", index, "file")]
        path = inside(folder, listed.file, folder / "fonts.yaml", line)
        face = Face(path, listed.family, listed.style, listed.weight, listed.role,
                    tuple(listed.scripts))
        try:
            face.cmap  # noqa: B018 (read now, to stop here if it is not a font)
        except Exception as error:  # from a missing file to an unreadable font
            state = "does not exist" if not path.exists() else f"is not a font ({error})"
            raise SourceError("S-FONT", f"the font file '{listed.file}' {state}",
                              "list only OpenType or TrueType files of the fonts folder",
                              f"{folder.name}/fonts.yaml", line) from None
        if wrong := misaddressed(path):
            raise SourceError(
                "S-FONT-CID",
                f"the font file '{listed.file}' is a CID-keyed CFF font whose glyph {wrong[0]} "
                f"is CID {wrong[1]}: the PDF would address its glyphs by glyph number, and a "
                "renderer that follows the PDF standard (Ghostscript, MuPDF, a printer's RIP) "
                "would draw the wrong glyphs or none",
                "use a TrueType-flavoured (.ttf) cut of the face, or renumber its CIDs to its "
                "glyph order (CID n for glyph n), as tools/make_subsets.py does for the shipped "
                "Chinese face", f"{folder.name}/fonts.yaml", line)
        faces.append(face)
    return faces


def misaddressed(path: Path) -> tuple[int, int] | None:
    """The first glyph whose CID is not its glyph number, in a CID-keyed CFF font (None for any
    other font, or one whose CIDs are its glyph numbers).

    WeasyPrint embeds an OpenType/CFF face as a CIDFontType0 with Identity-H and writes glyph
    numbers into the page, but ISO 32000-1 §9.7.4.2 has a reader of a CID-keyed CFF take
    those codes as CIDs and look them up in the font's charset. pdfium and poppler use them
    as glyph numbers and so hide the mismatch; Ghostscript and MuPDF do not. No library
    checks for this, hence by hand: fontTools reads the charset, names `cidNNNNN`."""
    font = TTFont(path, lazy=True)
    try:
        if "CFF " not in font:
            return None
        top = font["CFF "].cff.topDictIndex[0]
        if not hasattr(top, "ROS"):  # a name-keyed CFF: the codes are glyph numbers
            return None
        for gid, name in enumerate(top.charset[1:], start=1):
            if name != f"cid{gid:05d}":
                number = name.removeprefix("cid")
                return gid, int(number) if number.isdigit() else -1
        return None
    finally:
        font.close()


def check_coverage(book: Book, faces: list[Face]) -> None:
    """Stop at the first character of the source that no shipped face covers, naming the
    file and line where it first stands (the model keeps where each character is), its
    script, and the face fonts.yaml gives that script (or that none is given it)."""
    covered = frozenset(map(chr, frozenset().union(*(face.cmap for face in faces))))
    for char, (source, line) in book.characters.items():
        if char not in covered:
            name = unicodedata.name(char, "a control character")
            shown = f"'{char}' " if char.isprintable() else ""
            raise SourceError(
                "S-NO-GLYPH",
                f"no shipped font has the character {shown}(U+{ord(char):04X} {name}); "
                f"{_expected(char, book, faces)}",
                "replace the character, or add a font that has it to fonts/fonts.yaml "
                "(with the script in its `scripts`)", source, line,
            )


def _expected(char: str, book: Book, faces: list[Face]) -> str:
    """What the character's script asks: the language it is taken for, and its face."""
    script = scripts.script(char)
    what = f"it is of the {scripts.script_name(script)} script ({script})"
    if script == "Hani":
        what += f", set as {language_name(book.meta.han)} ({book.meta.han})"
    elif script in ("Kana", "Hira"):
        what += ", set as Japanese (ja)"
    elif script == "Hang":
        what += ", set as Korean (ko)"
    face = next((f for f in faces if script in f.scripts), None)
    if face:
        return f"{what}, which fonts.yaml gives to {face.family}, and it lacks this one"
    return f"{what}, which no face in fonts.yaml is given for"
