"""The shipped fonts: which faces there are, what they cover, and subsets of them.

The build uses only the faces listed in `fonts/fonts.yaml`. A character that none
of them covers stops the build with its code point and the file and line it is on,
so nothing ever falls back silently to a font of the machine.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from fontTools import subset
from fontTools.ttLib import TTFont

from .errors import SourceError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .model import Book

FONTS = Path(__file__).resolve().parent.parent / "fonts"
# Characters that are not drawn, and so need no glyph.
_UNDRAWN = {"\n", "\r", "\t"}
_YAML_COMMENT = re.compile(r"(^|\s)#.*$")


@dataclass(frozen=True)
class Face:
    file: Path
    family: str
    style: str
    weight: int
    role: str  # "latin" or "cjk"

    @cached_property
    def cmap(self) -> frozenset[int]:
        with TTFont(self.file, lazy=True) as font:
            return frozenset(font.getBestCmap())

    @property
    def css_family(self) -> str:
        """The name the style sheets use. No installed font has it, so WeasyPrint, which
        looks @font-face families up among the system's fonts too, finds only ours."""
        return f"{self.family} Shipped"  # no brackets: WeasyPrint writes it into PDF names

    @property
    def format(self) -> str:
        return "opentype" if self.file.suffix == ".otf" else "truetype"


def shipped_faces(folder: Path = FONTS) -> list[Face]:
    listing = yaml.safe_load((folder / "fonts.yaml").read_text(encoding="utf-8"))
    return [
        Face(folder / f["file"], f["family"], f["style"], int(f["weight"]), f["role"])
        for f in listing["faces"]
    ]


def check_coverage(book: Book, faces: list[Face]) -> None:
    """Stop at the first character of the source that no shipped face covers."""
    covered = frozenset().union(*(face.cmap for face in faces)) | {ord(c) for c in _UNDRAWN}
    root = Path(book.root)
    files = [root / "book.yaml", *(root / name for name in book.meta.text)]
    for path in files:
        is_yaml = path.suffix == ".yaml"
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            text = _YAML_COMMENT.sub("", line) if is_yaml else line
            for char in text:
                if ord(char) not in covered:
                    name = unicodedata.name(char, "unnamed character")
                    raise SourceError(
                        "S-NO-GLYPH",
                        f"no shipped font has the character '{char}' (U+{ord(char):04X} {name})",
                        "replace the character, or add a font that has it to fonts/fonts.yaml",
                        f"{root.name}/{path.relative_to(root)}", number,
                    )


def subset_font(face: Face, chars: Iterable[str]) -> bytes:
    """The face cut down to `chars`, keeping its OpenType layout features."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat"]  # Graphite: unused
    with TTFont(face.file) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes={ord(c) for c in chars} | {0x20, 0xA0})
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out, reorderTables=True)
    return out.getvalue()
