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

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup

from publish.render.markup import Languages, inline_html, text_html
from publish.resources import TEMPLATES
from publish.source import ids, pages
from publish.source.markup import Heading, plain_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinja2.runtime import Context

    from publish.source.fonts import Face
    from publish.source.model import Block, Book, Meta, Part

EditionKind = Literal["epub", "print"]


@dataclass(frozen=True)
class Section:
    """One section of the book, as both editions order them."""

    id: str
    file: str  # the EPUB file that holds it
    title: str  # a plain label, for <title> and navigation
    landmarks: tuple[str, ...]  # the EPUB landmark types it is
    html: Markup  # the <section> element, safe to put into a page as it is
    in_contents: bool = False
    part: Part | None = None
    headings: tuple[Heading, ...] = ()  # a part's ## and ### headings
    matter: str = "front"  # front, body or back: the page group it is printed in


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
    env.filters["inline"] = _inline
    env.filters["plain"] = lambda text: plain_text(str(text))
    env.globals["ids"] = ids
    return env


@pass_context
def _inline(context: Context, text: object, lang: str | None = None) -> Markup:
    """A line of metadata as inline HTML, in the language of where it stands."""
    languages = context.get("languages")
    if not isinstance(languages, Languages):  # a template rendered outside render(): the cover
        meta: Meta = context["meta"]
        languages = Languages(meta.language, meta.han)
    return Markup(inline_html(str(text), languages.within(lang)))


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

    context = {"meta": book.meta, "parts": book.parts, "href": href, "edition": edition,
               "languages": Languages(book.meta.language, book.meta.han)}

    def section(id: str, template: str, title: str, landmarks: tuple[str, ...], *,
                headings: tuple[Heading, ...] = (), in_contents: bool = False,
                **extra: object) -> Section:
        matter = str(extra.get("matter", "front"))
        html = env.get_template(f"sections/{template}.html.jinja").render(context, id=id, **extra)
        return Section(id=id, file=files[id], title=title, landmarks=landmarks, html=Markup(html),
                       part=parts.get(id), in_contents=in_contents, headings=headings,
                       matter=matter)

    meta = book.meta
    front = [p for p in book.parts if p.matter == "front"]
    # Where the book's own front matter goes among the pages made for it: a half-title
    # before the title page, a dedication and an epigraph before the contents, the rest
    # (a foreword, a preface) after it, as books are ordered (Chicago Manual 1.4).
    first = [p for p in front if p.header.kind == "half-title"]
    early = [p for p in front if p.header.kind in ("dedication", "epigraph")]
    landmarks = _landmarks(book)
    body = next((p for p in book.parts if p.matter != "front"), None)

    targets = book.targets
    offsets = _note_offsets(book)

    def target_href(id: str) -> str:
        return f"{files[targets[id].id]}#{id}" if edition == "epub" else f"#{id}"

    def part_section(part: Part) -> Section:
        key = f"{edition}:{part.id}"
        if key not in bodies:
            bodies[key] = text_html(
                part.text, book.meta.language, book.meta.han, part.header.lang, part=part.id,
                edition=edition, href=target_href, note_offset=offsets[part.id],
                notes_place=book.meta.notes.place, figures=part.figures)
        return section(
            part.id, "part", plain_text(part.header.title), landmarks.get(part.id, ()),
            part=part, body=Markup(bodies[key]), in_contents=part.header.listed,
            headings=part.text.headings, matter=part.matter, kind=part.kind,
            in_group=part.group is not None, body_start=part is body)

    sections = [
        section("cover", "cover", "Cover", ("cover",), blocks=pages.cover(meta),
                cover_image=ids.COVER_IMAGE),
        *map(part_section, first),
        section("titlepage", "titlepage", "Title Page", ("titlepage",),
                blocks=pages.title_page(meta)),
        section("imprint", "imprint", "Imprint", ("copyright-page",), blocks=pages.imprint(meta)),
        *map(part_section, early),
        section("contents", "contents", contents_title(meta), ("toc",),
                entries=contents(book)),
        *(part_section(p) for p in book.parts if p not in first and p not in early),
    ]
    return Rendering(edition=edition, sections=sections)


@dataclass(frozen=True)
class ContentsEntry:
    """A line of the printed contents: a part, and the parts listed under it."""

    part: Part
    children: tuple[ContentsEntry, ...] = ()


def contents(book: Book) -> list[ContentsEntry]:
    """The parts the printed contents lists, a group's chapters under it."""
    out: list[ContentsEntry] = []
    listed = {p.id for p in book.parts if p.header.listed}
    for part in book.parts:
        if part.id not in listed or part.group in listed:
            continue
        children = tuple(ContentsEntry(p) for p in book.parts
                         if p.group == part.id and p.id in listed)
        out.append(ContentsEntry(part, children))
    return out


def _note_offsets(book: Book) -> dict[str, int]:
    """The number of the notes before each part, where they are numbered through the book."""
    out: dict[str, int] = {}
    count = 0
    for part in book.parts:
        out[part.id] = count if book.meta.notes.numbering == "book" else 0
        count += sum(1 for t in part.text.tokens if t.type == "footnote_open")
    return out


def notes_of(book: Book) -> dict[str, tuple[Part, str]]:
    """Every note of the book by its id (ids.note), with its part and its label."""
    offsets = _note_offsets(book)
    return {ids.note(part.id, offsets[part.id] + int(t.meta["id"]) + 1): (part, t.meta["label"])
            for part in book.parts for t in part.text.tokens if t.type == "footnote_open"}


def contents_title(meta: Meta) -> str:
    """The contents' heading as a label: "CONTENTS" set in capitals reads "Contents"."""
    heading = plain_text(meta.contents_heading)
    return heading.title() if heading.isupper() else heading


def _landmarks(book: Book) -> dict[str, tuple[str, ...]]:
    """The landmarks of each part that is one: the first part of each kind that has a
    landmark, the first of the body (`bodymatter`) and of the back matter."""
    out: dict[str, tuple[str, ...]] = {}
    taken: set[str] = set()
    for part in book.parts:
        for landmark in (part.kind.landmark,
                         "bodymatter" if part.matter == "body" else
                         "backmatter" if part.matter == "back" else None):
            if landmark and landmark not in taken:
                out[part.id] = (*out.get(part.id, ()), landmark)
                taken.add(landmark)
    return out


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
