"""The annotated sample's figures, drawn here (Pillow) for the tests: no image of the
project comes from elsewhere. `python -m tests.images` writes them into
tests/roots/annotated/images/; test_figures.py checks that the files there are these
drawings, and draws the bad copies (too coarse, not an image) for its refusals.

- estuary-map.png: a map, RGB with an alpha channel (flattened on white, grey, in print);
- heron.jpg: a tone study as a JPEG, printed at 60 percent of the text block, coarse
  enough (about 270 ppi) to draw the build's warning;
- sluice.png: a large diagram (4.7 million pixels), which the EPUB gets scaled down to
  what reading systems take.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

FOLDER = Path(__file__).parent / "roots" / "annotated" / "images"


def estuary_map() -> Image.Image:
    image = Image.new("RGBA", (1400, 1000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1399, 999), fill=(236, 226, 198, 255))
    river = [(1400, 420), (1100, 460), (900, 400), (700, 470), (500, 430), (300, 520),
             (120, 500), (0, 560)]
    draw.line(river, fill=(70, 120, 190, 255), width=120, joint="curve")
    draw.line([(700, 470), (640, 120), (600, 0)], fill=(70, 120, 190, 255), width=40)
    draw.line([(500, 430), (380, 200), (330, 0)], fill=(70, 120, 190, 255), width=30)
    for x in range(80, 1400, 160):
        draw.ellipse((x, 760, x + 40, 800), fill=(40, 110, 60, 255))
    draw.rectangle((1180, 240, 1240, 330), fill=(120, 40, 40, 255))  # the tower
    draw.polygon([(1170, 240), (1250, 240), (1210, 180)], fill=(120, 40, 40, 255))
    return image


def heron() -> Image.Image:
    width, height = 420, 560
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    assert pixels is not None
    for y in range(height):
        for x in range(width):
            shade = int(128 + 90 * math.sin(x / 37) * math.cos(y / 53))
            pixels[x, y] = (shade, min(255, shade + 20), min(255, shade + 40))
    draw = ImageDraw.Draw(image)
    draw.line([(210, 120), (200, 300), (215, 520)], fill=(30, 30, 30), width=14)
    draw.ellipse((180, 80, 240, 140), fill=(30, 30, 30))
    draw.line([(240, 105), (320, 115)], fill=(30, 30, 30), width=6)
    return image


def sluice() -> Image.Image:
    image = Image.new("RGB", (2600, 1800), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 300, 2400, 1500), outline=(0, 0, 0), width=12)
    draw.rectangle((1100, 300, 1500, 1500), fill=(160, 160, 160), outline=(0, 0, 0), width=8)
    for y in range(400, 1500, 100):
        draw.line([(200, y), (1100, y)], fill=(60, 100, 180), width=6)
    for y in range(900, 1500, 100):
        draw.line([(1500, y), (2400, y)], fill=(60, 100, 180), width=6)
    draw.polygon([(1300, 120), (1200, 280), (1400, 280)], fill=(200, 40, 40))
    return image


def save(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **({"quality": 88} if kind == "JPEG" else {}))
    return out.getvalue()


FIGURES: dict[str, tuple[Callable[[], Image.Image], str]] = {
    "estuary-map.png": (estuary_map, "PNG"),
    "heron.jpg": (heron, "JPEG"),
    "sluice.png": (sluice, "PNG"),
}


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, (draw, kind) in FIGURES.items():
        (FOLDER / name).write_bytes(save(draw(), kind))


if __name__ == "__main__":
    main()
