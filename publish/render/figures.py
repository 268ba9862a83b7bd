"""Figures (source/figures.py) in HTML, and each edition's copy of their images.

A figure is `<figure>`: the image with its alt text, and a caption that begins with its
number ("Figure 3."), the same words in both editions (the page map counts them). Its
image is `images/figure-N.png|jpg` in the EPUB and `figure:N` in print, which the print
layout's fetcher serves (layout/typeset.py) from `print_copy`.

- Print: the figure's printed width is worked out at loading (from the text block), so the
  resolution checked there is the one printed. The copy is grey (a black interior: the
  preflight refuses RGB), flattened on white, as a PNG: lossless, and the same bytes for
  the same image (a build is reproducible).
- The EPUB: the file as the author gave it, where readers take it as it is (RGB or grey, at
  most EPUB_PIXELS: Apple Books asks images to stay within 4 million pixels); else a copy
  scaled down and saved in the same format, RGB.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from PIL import Image

if TYPE_CHECKING:
    from publish.source.figures import Figure

EPUB_PIXELS = 4_000_000
_EPUB_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}  # what every reading system draws as it is
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
LABEL = "Figure"  # the made word, in English (other languages' words: issue 18)


def figure(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
           ) -> str:
    """The paragraph that holds a figure's image is the figure."""
    token = tokens[idx]
    figure: Figure = env["figures"][token.meta["figure"]]
    if token.nesting == -1:
        return "</figure>\n"
    style = ""
    if env["edition"] == "print":
        style = f' style="width: {figure.width_mm}mm"'
    return f'<figure id="{escapeHtml(str(token.attrGet("id")))}" class="figure"{style}>'


def image(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """The figure's image and its caption."""
    figure: Figure = env["figures"][env["figure_at"]]
    env["figure_at"] += 1
    if env["edition"] == "print":
        src = f"figure:{figure.number}"
        size = f' style="width: {figure.width_mm}mm; height: {figure.height_mm}mm"'
    else:
        src = f"../{figure.epub_file}"
        width = tokens[idx].attrGet("width")
        size = f' style="width: {str(width).rstrip("%")}%"' if width else ""
    caption = env["inline"](figure.caption) if figure.caption else ""
    label = escapeHtml(f"{LABEL} {figure.number}.")
    label = label if env["english"] else f'<span lang="en" xml:lang="en">{label}</span>'
    return (f'<img src="{escapeHtml(src)}" alt="{escapeHtml(figure.alt)}"{size} />'
            f'<figcaption><span class="figure-label">{label}</span>'
            f'{" " + caption if caption else ""}</figcaption>')


@functools.lru_cache(maxsize=64)
def _print_copy(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image: Image.Image = opened
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGBA", rgba.size, "white")
            image.alpha_composite(rgba)
        out = io.BytesIO()
        image.convert("L").save(out, format="PNG", optimize=False)
    return out.getvalue()


def print_copy(figure: Figure) -> bytes:
    """The figure's image for a black interior: grey, on white, PNG."""
    return _print_copy(figure.data)


def epub_copy(figure: Figure) -> bytes:
    """The figure's image for the EPUB (see above), in its own format."""
    with Image.open(io.BytesIO(figure.data)) as image:
        width, height = image.size
        if image.mode in _EPUB_MODES and width * height <= EPUB_PIXELS:
            return figure.data
        image.load()
        scale = min(1.0, (EPUB_PIXELS / (width * height)) ** 0.5)
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        converted = image.convert("RGBA" if figure.kind == "png" and "A" in image.mode
                                  else "RGB")
        out = io.BytesIO()
        converted.resize(size, Image.Resampling.LANCZOS).save(
            out, format=figure.kind.upper(), **({"quality": 90} if figure.kind == "jpeg"
                                                else {}))
    return out.getvalue()
