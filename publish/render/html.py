"""Validated book model -> one HTML rendering, shared by both editions.

Each section of the book (cover, title page, imprint, contents, every part) is
rendered once per edition by the same Jinja2 templates in `templates/sections/`;
the editions differ only in how a link names its target (`href`): a file and a
fragment in the EPUB, a fragment in the one HTML document of the print edition.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from publish.render.markup import inline_html, text_html
from publish.resources import TEMPLATES
from publish.source import ids
from publish.source.markup import Heading, plain_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from publish.source.fonts import Face
    from publish.source.model import Block, Book, Part

EditionKind = Literal["epub", "print"]


@dataclass(frozen=True)
class Section:
    """One section of the book, as both editions order them."""

    id: str
    file: str  # the EPUB file that holds it
    title: str  # a plain label, for <title> and navigation
    landmark: str | None  # the EPUB landmark type, if it is one
    html: Markup  # the <section> element, safe to put into a page as it is
    in_contents: bool = False
    part: Part | None = None
    headings: tuple[Heading, ...] = ()  # a part's ## and ### headings


@dataclass(frozen=True)
class Rendering:
    edition: EditionKind
    sections: list[Section]

    def section(self, id: str) -> Section:
        return next(s for s in self.sections if s.id == id)


@functools.cache
def environment() -> Environment:
    """One environment a process: Jinja compiles each template once, not once a build
    (a tenth of a second a build, make bench). Jinja checks a template file's time and
    reloads it when it changes (auto_reload), so `publish watch` sees edited templates."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inline"] = lambda text: Markup(inline_html(str(text)))
    env.filters["plain"] = lambda text: plain_text(str(text))
    env.globals["ids"] = ids
    return env


def render(book: Book, edition: EditionKind, bodies: dict[str, str] | None = None
           ) -> Rendering:
    """The book's sections for `edition`. `bodies`: the parts' text as HTML, which both
    editions share, kept there by part id so a build turns each part into HTML once."""
    bodies = {} if bodies is None else bodies
    env = environment()
    parts = {part.id: part for part in book.parts}
    files = {front: f"{front}.xhtml" for front in ids.FRONT}
    files.update({part.id: ids.part_file(part.number) for part in book.parts})

    def href(id: str) -> str:
        return f"{files[id]}#{id}" if edition == "epub" else f"#{id}"

    context = {"meta": book.meta, "parts": book.parts, "href": href, "edition": edition}

    def section(id: str, template: str, title: str, landmark: str | None, *,
                headings: tuple[Heading, ...] = (), in_contents: bool = False,
                **extra: object) -> Section:
        html = env.get_template(f"sections/{template}.html.jinja").render(context, id=id, **extra)
        return Section(id=id, file=files[id], title=title, landmark=landmark, html=Markup(html),
                       part=parts.get(id), in_contents=in_contents, headings=headings)

    meta = book.meta
    sections = [
        section("cover", "cover", "Cover", "cover", blocks=meta.cover),
        section("titlepage", "titlepage", "Title Page", "titlepage", blocks=meta.title_page),
        section("imprint", "imprint", "Imprint", "copyright-page", blocks=meta.imprint),
        section("contents", "contents", plain_text(meta.contents_heading).title(), "toc"),
    ]
    body_starts = next((p for p in book.parts if p.header.kind != "preface"), book.parts[0])
    for part in book.parts:
        if part.id not in bodies:
            bodies[part.id] = text_html(part.text)
        sections.append(section(
            part.id, "part", plain_text(part.header.title),
            "bodymatter" if part is body_starts else None,
            part=part, body=Markup(bodies[part.id]), in_contents=part.header.in_contents,
            headings=part.text.headings,
        ))
    return Rendering(edition=edition, sections=sections)


def font_css(faces: list[Face], url: Callable[[Face], str]) -> str:
    """The @font-face rules of the shipped faces; `url` says where each file is."""
    latin = next(face.css_family for face in faces if face.role == "latin")
    cjk = next(face.css_family for face in faces if face.role == "cjk")
    return environment().get_template("fonts.css.jinja").render(
        faces=faces, url=url, latin=latin, cjk=cjk)


def block_lines(blocks: list[Block]) -> list[str]:
    """The lines of some blocks as plain text, as a reader sees them."""
    return [plain_text(line) for block in blocks for line in block.lines]


def modified(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
