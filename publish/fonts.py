"""The shipped fonts: which faces there are, what they cover, and subsets of them.

The build uses only the faces listed in `fonts/fonts.yaml`. A character that none
of them covers stops the build with its code point and the file and line it is on,
so nothing ever falls back silently to a font of the machine.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import uharfbuzz as hb
import yaml
from pydantic import Field, model_validator

from .errors import SourceError
from .load import inside, load_yaml
from .model import NonEmpty, Strict

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .model import Book

FONTS = Path(__file__).resolve().parent.parent / "fonts"
# Characters that are not drawn, and so need no glyph.
_UNDRAWN = {"\n", "\r", "\t"}


@dataclass(frozen=True)
class Face:
    file: Path
    family: str
    style: str
    weight: int
    role: str  # "latin" or "cjk"

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
        face = Face(path, listed.family, listed.style, listed.weight, listed.role)
        try:
            face.cmap  # noqa: B018 (read now, to stop here if it is not a font)
        except Exception as error:  # from a missing file to an unreadable font
            state = "does not exist" if not path.exists() else f"is not a font ({error})"
            raise SourceError("S-FONT", f"the font file '{listed.file}' {state}",
                              "list only OpenType or TrueType files of the fonts folder",
                              f"{folder.name}/fonts.yaml", line) from None
        faces.append(face)
    return faces


def check_coverage(book: Book, faces: list[Face]) -> None:
    """Stop at the first character of the source that no shipped face covers."""
    covered = frozenset(map(chr, frozenset().union(*(face.cmap for face in faces)))) | _UNDRAWN
    root = Path(book.root)
    files = [(root / "book.yaml", 0), *((root / p.source.partition("/")[2], p.body_line)
                                        for p in book.parts)]
    for path, body_line in files:
        text = path.read_text(encoding="utf-8")
        drawn = (_markdown_file(text, body_line, covered) if body_line
                 else _yaml_scalars(text, 1))
        for number, char in drawn:
            if char not in covered:
                name = unicodedata.name(char, "a control character")
                shown = f"'{char}' " if char.isprintable() else ""
                raise SourceError(
                    "S-NO-GLYPH",
                    f"no shipped font has the character {shown}(U+{ord(char):04X} {name})",
                    "replace the character, or add a font that has it to fonts/fonts.yaml",
                    f"{root.name}/{path.relative_to(root)}", number,
                )


def _markdown_file(text: str, body_line: int,
                   covered: frozenset[str]) -> Iterator[tuple[int, str]]:
    """A text file's characters as they will be drawn, by line: its header's values and
    its body. Entities count as the character they stand for (`&#x2603;`): Markdown
    turns them into it. Body lines drawn wholly from `covered` are left out: the set
    test runs in C, where yielding every character took half a second on 1,000 pages."""
    lines = text.split("\n")
    yield from _yaml_scalars("\n".join(lines[1 : body_line - 2]), 2)
    for number, line in enumerate(lines[body_line - 1 :], body_line):
        drawn = line + html.unescape(line) if "&" in line else line
        if not covered.issuperset(drawn):
            for char in drawn:
                yield number, char


def _yaml_scalars(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    """The characters of YAML's keys and values, not its comments, with their lines;
    a value's escapes ("\\u2603") and entities count as what they stand for."""
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if not isinstance(token, yaml.ScalarToken):
            continue
        raw = text[token.start_mark.index : token.end_mark.index]
        line = first_line + text.count("\n", 0, token.start_mark.index)
        for number, part in enumerate(raw.split("\n"), line):
            for char in part:
                yield number, char
        for char in sorted(set(token.value + html.unescape(token.value)) - set(raw)):
            yield line, char  # written as an escape or an entity: the value's first line


# Graphite tables: no reading system of EPUBs uses them.
_DROPPED = ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat"]


def subset_font(face: Face, chars: Iterable[str]) -> bytes:
    """The face cut down to `chars`, keeping all its OpenType layout features and names.

    HarfBuzz's subsetter (uharfbuzz), not fontTools': the same glyphs, in a few
    milliseconds where fontTools took a quarter of a second a face (make bench)."""
    options = hb.SubsetInput()
    options.unicode_set.update({ord(c) for c in chars} | {0x20, 0xA0})
    for keep_all in (options.layout_feature_tag_set, options.name_id_set,
                     options.name_lang_id_set):
        keep_all.clear()  # they start with HarfBuzz's defaults: empty, then invert = all
        keep_all.invert()
    for tag in _DROPPED:
        options.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    options.flags = hb.SubsetFlags.NOTDEF_OUTLINE
    subset = hb.subset(hb.Face(hb.Blob.from_file_path(str(face.file))), options)
    if subset is None:
        raise ValueError(f"HarfBuzz could not subset {face.file.name}")
    return bytes(subset.blob.data)
