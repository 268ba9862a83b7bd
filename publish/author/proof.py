"""`publish proof`: contact sheets of chosen printed pages, the PDF page beside the same
place in the EPUB, one PNG per page (or spread): `dist/proof/<slug>-page-iii.png`.

A place is named by its printed label (`iii`, `4`), which both editions share: the PDF's
page labels, and the EPUB's page-list that links each label to its page-break marker.
By default the sheets show the title page, the imprint, the contents and the first
spread of text (the first verso and recto that both carry text), where a mistake in
either edition is easiest to see.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont

from publish.author.dist import editions
from publish.author.screens import screenshots
from publish.build.pipeline import Progress
from publish.checks.readback import page_places
from publish.errors import OutputError, UsageError
from publish.resources import FONTS
from publish.source.fonts import shipped_faces
from publish.stage import Profile

WIDTH = 540  # pixels of one page's width, in the PDF's image and in the EPUB's window
PAPER, INK, GREY, SHADOW = "#ffffff", "#222222", "#6b6b6b", "#c9c5bc"
BACKGROUND = "#ebe8e2"
PAD, GAP, CAPTION = 40, 56, 30  # pixels: sheet edge, between the editions, caption line
_SECTIONS = {"titlepage": "the title page", "imprint": "the imprint",
             "contents": "the contents"}


@dataclass(frozen=True)
class Sheet:
    labels: tuple[str, ...]  # one page, or a spread (verso, recto)
    about: str  # what the sheet shows, for its heading

    @property
    def name(self) -> str:
        kind = "spread" if len(self.labels) > 1 else "page"
        return f"{kind}-{'-'.join(self.labels)}"


def default_sheets(pages: list[dict[str, object]]) -> list[Sheet]:
    """The title page, the imprint, the contents, the first spread of text."""
    sheets = [Sheet((str(page["label"]),), _SECTIONS[str(page["section"])]) for page in pages
              if page["section"] in _SECTIONS and page["element"] == page["section"]]
    # A spread is a verso (even index: the first page is a recto) and the recto after it.
    body = [i for i, page in enumerate(pages) if page["element"] and
            re.fullmatch(r"\d+", str(page["label"]))]
    for index in body:
        if index % 2 == 1 and index + 1 in body:
            labels = (str(pages[index]["label"]), str(pages[index + 1]["label"]))
            sheets.append(Sheet(labels, "the first spread of text"))
            break
    return sheets


def chosen_sheets(spec: str, pages: list[dict[str, object]]) -> list[Sheet]:
    """`iii,4+5`: comma-separated page labels, `+` joining the pages of a spread."""
    labels = [str(page["label"]) for page in pages]
    opens = {str(page["label"]): _SECTIONS[str(page["section"])] for page in pages
             if page["section"] in _SECTIONS and page["element"] == page["section"]}
    sheets = []
    for item in (part.strip() for part in spec.split(",")):
        wanted = tuple(label.strip() for label in item.split("+") if label.strip())
        unknown = [label for label in wanted if label not in labels]
        if not wanted or unknown:
            raise UsageError("U-PAGE", f"no page is labelled {', '.join(unknown) or '(none)'}",
                             f"name printed pages by their labels: {', '.join(labels[:6])}"
                             f"... (`4+5` for a spread)")
        about = f"page{'s' if len(wanted) > 1 else ''} {'–'.join(wanted)}"
        sheets.append(Sheet(wanted, f"{about}, {opens[item]}" if item in opens else about))
    return sheets


def proof(source: Path, out: Path, pages: str | None = None, progress: Progress | None = None,
          fonts: Path = FONTS, profile: Profile = "kdp") -> list[Path]:
    """Build the book in `source` into `out`, then write the contact sheets of the files
    that build wrote (`dist.py`) into `out`/proof/; return their paths."""
    say = progress or (lambda stage: None)
    found = editions(source, out, progress, fonts, profile)
    page_map = json.loads(found.page_map.read_text(encoding="utf-8"))["pages"]
    labels = [str(page["label"]) for page in page_map]
    sheets = chosen_sheets(pages, page_map) if pages else default_sheets(page_map)
    wanted = list(dict.fromkeys(label for sheet in sheets for label in sheet.labels))
    say("Rendering the PDF's pages")
    printed = _pdf_pages(found.pdf, [labels.index(label) for label in wanted])
    size = (WIDTH, printed[0].height)
    places = page_places(found.epub)
    missing = [label for label in wanted if label not in places]
    if missing:
        raise OutputError("O-PAGE-MAP", f"the EPUB's page-list has no page {missing[0]}",
                          "run `publish check`: the editions disagree; report it")
    say("Rendering the EPUB's pages in chromium")
    shots = screenshots(found.epub, [places[label] for label in wanted], size)
    font = next(f.file for f in shipped_faces(fonts) if f.role == "latin" and f.weight == 400
                and f.style == "normal")
    folder = out / "proof"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in sheets:
        say(f"Composing {sheet.name}")
        image = compose(sheet, f"{found.book.meta.running_title}: {sheet.about}",
                        [(printed[wanted.index(label)], f"PDF page {label}")
                         for label in sheet.labels],
                        [(shots[wanted.index(label)], places[label].rpartition("/")[2])
                         for label in sheet.labels], font)
        path = folder / f"{found.book.meta.slug}-{sheet.name}.png"  # dist/ may hold others
        image.save(path, optimize=True)
        written.append(path)
    return written


def _pdf_pages(pdf: Path, indexes: list[int]) -> list[Image.Image]:
    """The pages, trimmed (a press PDF's bleed and marks cut off), WIDTH pixels wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for index in indexes:
            page = document[index]
            media, trim = page.get_mediabox(), page.get_trimbox()
            crop = (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2],
                    media[3] - trim[3])
            bitmap = page.render(scale=WIDTH / (trim[2] - trim[0]), crop=crop)
            images.append(bitmap.to_pil().convert("RGB"))
    finally:
        document.close()
    return images


def compose(sheet: Sheet, heading: str, printed: list[tuple[Image.Image, str]],
            screen: list[tuple[Image.Image, str]], font_file: Path) -> Image.Image:
    """Print on the left (a spread's pages touching, as in the book), the EPUB on the right,
    each image captioned, under one heading."""
    title = ImageFont.truetype(str(font_file), 30)
    small = ImageFont.truetype(str(font_file), 20)
    page_w = max(image.width for image, _ in printed + screen)
    page_h = max(image.height for image, _ in printed + screen)
    count = len(sheet.labels)
    width = 2 * PAD + 2 * count * page_w + GAP + (count - 1) * 16
    height = 2 * PAD + 2 * CAPTION + 16 + page_h + CAPTION
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.text((PAD, PAD), heading, font=title, fill=INK)
    top = PAD + CAPTION + 16
    draw.text((PAD, top), "Print (PDF)", font=small, fill=GREY)
    right = PAD + count * page_w + GAP
    draw.text((right, top), "E-book (EPUB in Chromium)", font=small, fill=GREY)
    top += CAPTION
    for n, (image, caption) in enumerate(printed):
        _paste(canvas, draw, image, (PAD + n * page_w, top), caption, small)
    for n, (image, caption) in enumerate(screen):
        _paste(canvas, draw, image, (right + n * (page_w + 16), top), caption, small)
    return canvas


def _paste(canvas: Image.Image, draw: ImageDraw.ImageDraw, image: Image.Image,
           at: tuple[int, int], caption: str, font: ImageFont.FreeTypeFont) -> None:
    x, y = at
    draw.rectangle((x + 4, y + 4, x + image.width + 4, y + image.height + 4), fill=SHADOW)
    canvas.paste(image, (x, y))
    draw.rectangle((x, y, x + image.width - 1, y + image.height - 1), outline=SHADOW)
    draw.text((x, y + image.height + 8), caption, font=font, fill=GREY)
