"""Figures: an image standing alone in its paragraph, with its alt text and a caption.

    ![A map of the delta, the two routes drawn in](../images/delta.png "The delta in 1949."){#delta}

- The alt text (in the brackets) is required: it is what a reader who cannot see the
  image hears, and the EPUB's `alt` (S-IMAGE-ALT without it).
- The caption is the image's title (in quotes), Markdown inline text; it follows the
  figure's number ("Figure 3."), counted through the book.
- `{#name}` makes the figure a cross-reference's target; `{width=60}` prints it at 60
  percent of the text block's width (the whole width when not given).
- The file: a PNG or a JPEG inside the book's folder, named from the text file, really
  of its kind, within the limits below (S-IMAGE, S-OUTSIDE, S-TOO-LARGE).

In print a figure is as wide as the text block (or its `width`), less where its height
would pass FIGURE_HEIGHT of the block's; at that printed size its resolution is checked:
below MIN_PPI it is refused (S-IMAGE-RESOLUTION), below GOOD_PPI it is a warning, the
figure listed by `publish check`. Its print copy is grey (a black interior); its EPUB
copy is kept as it is when readers take it (editions/images.py).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from markdown_it.rules_core import StateCore
from PIL import Image, ImageFile
from pydantic import Field

from publish.errors import SourceError
from publish.source.limits import Refusal
from publish.source.values import Strict

SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
MAX_IMAGE_PIXELS = 60_000_000  # one image, decoded: a 10x12 in page at 600 ppi is 43 M
MAX_FIGURES = 1_000
MIN_PPI = 150  # below, a printed figure looks blurred or stepped: refused
GOOD_PPI = 300  # what printers and print-on-demand services ask for: below, a warning
FIGURE_HEIGHT = 0.75  # of the text block's height at most: room for its caption
_WIDTH = re.compile(r"([1-9][0-9]?|100)%?")
_FIX_ALT = ("describe the image between the brackets: ![a map of the delta, the two routes "
            "drawn in](images/delta.png)")


@dataclass(frozen=True)
class Found:
    """An image of the text as the parse finds it (lines from the text's first line)."""

    src: str
    alt: str
    caption: str
    width: int  # percent of the text block
    line: int


def mark_figures(state: StateCore) -> None:
    """Mark each paragraph that holds an image alone as a figure (`meta["figure"]`: the
    image's place among the text's figures), and refuse an image anywhere else."""
    found: list[Found] = state.env.setdefault("figures", [])
    in_note = 0
    for at, block in enumerate(state.tokens):
        in_note += {"footnote_open": 1, "footnote_close": -1}.get(block.type, 0)
        images = [t for t in block.children or () if t.type == "image"]
        if not images:
            continue
        line = (block.map[0] + 1) if block.map else 1
        children = block.children or []
        # The image's own line: its paragraph's first, and the line breaks before it.
        line += sum(1 for t in children[:children.index(images[0])]
                    if t.type in ("softbreak", "hardbreak"))
        opening = state.tokens[at - 1] if at else None
        rest = [t for t in block.children or () if t.type != "image"
                and not (t.type in ("text", "softbreak") and not t.content.strip())]
        if rest and rest[0].type == "text" and rest[0].content.startswith("{"):
            raise Refusal("S-ATTRIBUTE", line, f"'{rest[0].content[:40]}' after an image: "
                          "not attributes the format reads", "write {#name}, {width=60} "
                          "(percent of the text block) or both: {#name width=60}")
        if (len(images) > 1 or rest or in_note or opening is None
                or opening.type != "paragraph_open" or opening.hidden):
            raise Refusal("S-IMAGE", line, "an image within other text (a line, a list, a "
                          "table or a note): an image is a figure, a paragraph of its own",
                          "put the image on a line of its own, with an empty line before "
                          "and after it")
        image = images[0]
        alt = " ".join(image.content.split())  # an attribute: its line breaks are spaces
        if not alt:
            raise Refusal("S-IMAGE-ALT", line, "an image without alt text: a reader who "
                          "cannot see it would learn nothing of it", _FIX_ALT)
        src = str(image.attrGet("src"))
        _check_name(src, line)
        width = str(image.attrGet("width") or "100")
        if not _WIDTH.fullmatch(width):
            raise Refusal("S-ATTRIBUTE", line, f"width={width[:20]}: a figure's width is a "
                          "share of the text block, 1 to 100 percent", "write {width=60}")
        if image.attrGet("title"):
            _check_caption(state, str(image.attrGet("title")), line)
        opening.meta["figure"] = state.tokens[at + 1].meta["figure"] = len(found)
        if image.meta.get("anchor"):
            opening.meta["anchor"] = image.meta["anchor"]
        found.append(Found(src, alt, str(image.attrGet("title") or ""),
                           int(width.rstrip("%")), line))
    if len(found) > MAX_FIGURES:
        raise Refusal("S-TOO-MANY", found[MAX_FIGURES].line, f"more than {MAX_FIGURES:,} "
                      "figures in one text file", "make two books of it (README: Limits)")


def _check_caption(state: StateCore, caption: str, line: int) -> None:
    """A caption is inline text, held to the text's rules (the parser's own checks run on
    it); its anchors and cross-references count with the text's, at the image's line."""
    env: dict[str, object] = {}
    try:
        state.md.parseInline(caption, env)
    except Refusal as refused:
        raise Refusal(refused.code, line, f"in the image's caption: {refused.message}",
                      refused.fix) from None
    for key in ("anchors", "xrefs"):
        found = env.get(key)
        if isinstance(found, list):
            state.env.setdefault(key, []).extend((name, line) for name, _ in found)


def _check_name(src: str, line: int) -> None:
    """A file of the book, named relative to the text file: no address, no absolute path."""
    path = PurePosixPath(src)
    if not src or ":" in src or src.startswith(("/", "\\")) or "\\" in src or "?" in src \
            or "#" in src:
        raise Refusal("S-IMAGE", line, f"'{src[:80]}' is not a file of the book: an image "
                      "is a file inside the book's folder, named from the text file",
                      "copy the image into the book's folder (say images/) and name it: "
                      "(../images/map.png)")
    if path.suffix.lower() not in SUFFIXES:
        raise Refusal("S-IMAGE", line, f"'{src[:80]}': an image is a PNG (.png) or a JPEG "
                      "(.jpg, .jpeg)", "save the image as PNG or JPEG")


class Figure(Strict):
    """A figure, checked: its file read and identified, its printed size worked out."""

    number: int  # through the book, from 1
    src: str  # the file, from the book's folder (as messages name it)
    line: int  # of the text file
    alt: str
    caption: str  # Markdown inline text, or ""
    kind: Literal["png", "jpeg"]
    pixels: tuple[int, int]  # width, height
    digest: str  # sha256 of the file: the figure's part of the cache keys
    width_mm: float  # printed
    height_mm: float
    ppi: int  # at its printed size
    data: bytes = Field(exclude=True, repr=False)  # the file as read

    @property
    def epub_file(self) -> str:
        return f"images/figure-{self.number}.{'jpg' if self.kind == 'jpeg' else 'png'}"

    @property
    def id_hint(self) -> str:
        return f"figure {self.number} ({self.src}, line {self.line})"


def identify(found: Found, data: bytes, shown: str, rel: str, line: int, number: int,
             block: tuple[float, float], digest: str) -> Figure:
    """The figure of an image file's bytes (`shown` in messages: the image as named from
    the book's folder; `rel` and `line`: where the text names it), refused where it is not
    what its name says, too large, or too coarse to print on the text block `block`
    (width and height in mm)."""
    kind = SUFFIXES[PurePosixPath(found.src).suffix.lower()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                real, size = str(image.format).lower(), image.size
                if size[0] * size[1] > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(rel, line, size)
                # A truncated or corrupt file fails here, not in a writer (WeasyPrint sets
                # Pillow to take truncated images, for the whole process: not for ours).
                truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(rel, line, (0, 0)) from None
    except SourceError:
        raise
    except Exception:  # Pillow's errors for what is not an image are of many kinds
        raise SourceError("S-IMAGE", f"'{found.src}' is not a PNG or JPEG image (or is "
                          "damaged)", "save the image again as PNG or JPEG", rel, line) from None
    if real != kind:
        raise SourceError("S-IMAGE", f"'{found.src}' is a {real.upper()} image named as a "
                          f"{kind.upper()}", f"rename it to .{'png' if real == 'png' else 'jpg'}"
                          ", and the name in the text", rel, line)
    width_mm, height_mm = printed_size(size, found.width, block)
    ppi = int(size[0] / (width_mm / 25.4))
    if ppi < MIN_PPI:
        raise SourceError("S-IMAGE-RESOLUTION", f"'{found.src}' would print at {ppi} ppi "
                          f"({size[0]}x{size[1]} pixels over {width_mm:.0f}x{height_mm:.0f} mm);"
                          f" below {MIN_PPI} ppi a printed image looks blurred",
                          f"use an image of at least {_needed(width_mm)} pixels across, or "
                          "print it smaller with {width=50}", rel, line)
    return Figure(number=number, src=shown, line=line, alt=found.alt, caption=found.caption,
                  kind=kind, pixels=size, digest=digest, width_mm=round(width_mm, 2),
                  height_mm=round(height_mm, 2), ppi=ppi, data=data)


def coarse(figure: Figure, where: str) -> str | None:
    """The warning for a figure below GOOD_PPI (`where`: its text file), else None."""
    if figure.ppi >= GOOD_PPI:
        return None
    return (f"{where}:{figure.line}: warning S-IMAGE-RESOLUTION: '{figure.src}' prints at "
            f"{figure.ppi} ppi, below the {GOOD_PPI} ppi printers ask for (fix: use an image "
            f"of {_needed(figure.width_mm)} pixels across, or print it smaller)")


def _needed(width_mm: float) -> int:
    return int(width_mm / 25.4 * GOOD_PPI + 0.5)


def _too_many_pixels(rel: str, line: int, size: tuple[int, int]) -> SourceError:
    what = f" ({size[0]:,}x{size[1]:,})" if size[0] else ""
    return SourceError("S-TOO-LARGE", f"the image has more than {MAX_IMAGE_PIXELS:,} "
                       f"pixels{what}", "scale it down: 300 pixels an inch of the printed "
                       "page is enough", rel, line)


def printed_size(pixels: tuple[int, int], percent: int, block: tuple[float, float]
                 ) -> tuple[float, float]:
    """A figure's printed width and height in mm: `percent` of the text block's width,
    smaller where its height would pass FIGURE_HEIGHT of the block's."""
    block_width, block_height = block
    width = block_width * percent / 100
    height = width * pixels[1] / pixels[0]
    if height > block_height * FIGURE_HEIGHT:
        height = block_height * FIGURE_HEIGHT
        width = height * pixels[0] / pixels[1]
    return width, height
