"""The cover, the title page and its verso: as book.yaml gives them line for line, or, for
a book that gives none, made from its metadata as a publisher would set them.

A made page says only what book.yaml says (the title, the contributors, the publisher,
the identifiers, the rights): nothing is invented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from isbnlib import mask

from publish.source.metadata import language_name, relators
from publish.source.model import Block

if TYPE_CHECKING:
    from publish.source.model import Meta

# How a title page names what each contributor did ("Translated by ..."); the authors
# come first, by name alone.
_BY = {"trl": "Translated by", "edt": "Edited by", "ill": "Illustrated by",
       "aui": "With an introduction by", "win": "With an introduction by",
       "wpr": "With a preface by", "aft": "With an afterword by", "com": "Compiled by",
       "abr": "Abridged by", "adp": "Adapted by", "ann": "Annotated by"}


def _block(lines: list[str], style: str = "plain", lang: str | None = None) -> Block:
    # Constructed, not validated: a made line may be longer than a typed one (the rights).
    # The made styles (author, subtitle, credit, copyright) are base.css's, not book.yaml's.
    return Block.model_construct(lines=lines, style=style, lang=lang)  # type: ignore[arg-type]


def _block_c(lines: list[str]) -> Block:
    return _block(lines, "copyright")


def _authors(meta: Meta) -> list[str]:
    return [c.name.text for c in meta.contributors if "aut" in c.role]


def _credits(meta: Meta) -> list[str]:
    """"Translated by A. B.", one line a role, in the order the contributors are given."""
    lines: dict[str, list[str]] = {}
    for contributor in meta.contributors:
        for role in contributor.role:
            if role != "aut" and role in _BY:
                lines.setdefault(role, []).append(contributor.name.text)
    return [f"{_english(meta, _BY[role])} {' and '.join(names)}"
            for role, names in lines.items()]


def _titles(meta: Meta) -> list[Block]:
    """The title, the subtitle, and the parallel titles: the alternates in another language
    (not a romanization: `ru-Latn` is the same language in another script)."""
    blocks = [_block([meta.title.text], "title", meta.title.lang)]
    if meta.subtitle:
        blocks.append(_block([meta.subtitle.text], "subtitle", meta.subtitle.lang))
    own = _base(meta.title.lang or meta.language)
    for tag, text in meta.title.alternates:
        if _base(tag) != own:
            blocks.append(_block([text], "parallel", tag))
    return blocks


def _base(tag: str) -> str:
    return tag.split("-")[0]


def _english(meta: Meta, text: str) -> str:
    """A made phrase ("Translated by"): in English, and marked as English in a book of
    another language (house styles that say it in the book's language: issue 18)."""
    return text if _base(meta.language) == "en" else f"[{text}]{{lang=en}}"


def _in(meta: Meta, text: str, tag: str | None) -> str:
    """A value in its own language, marked when it is not the book's."""
    return f"[{text}]{{lang={tag}}}" if tag and _base(tag) != _base(meta.language) else text


def cover(meta: Meta) -> list[Block]:
    if meta.cover:
        return meta.cover
    authors = _authors(meta)
    return [*([_block(authors, "author")] if authors else []), *_titles(meta),
            _block([meta.publisher.text], "publisher", meta.publisher.lang)]


def title_page(meta: Meta) -> list[Block]:
    if meta.title_page:
        return meta.title_page
    authors, credits = _authors(meta), _credits(meta)
    blocks = [*([_block(authors, "author")] if authors else []), *_titles(meta)]
    if credits:
        blocks.append(_block(credits, "credit"))
    where = [meta.publisher.text, *([meta.place.text] if meta.place else [])]
    blocks.append(_block(where, "publisher"))
    return blocks


def imprint(meta: Meta) -> list[Block]:
    """The copyright page: the edition, the original, the rights, the identifiers."""
    if meta.imprint:
        return meta.imprint
    blocks: list[Block] = []
    where = ", ".join(x for x in (_in(meta, meta.publisher.text, meta.publisher.lang),
                                  meta.place and _in(meta, meta.place.text, meta.place.lang)) if x)
    blocks.append(_block_c([f"{_english(meta, 'Published by')} {where}, {meta.year}"]))
    if meta.edition:
        blocks.append(_block_c([_in(meta, meta.edition.text, meta.edition.lang)]))
    if meta.series:
        number = f", {meta.series.number}" if meta.series.number else ""
        blocks.append(_block_c([f"{_in(meta, meta.series.name.text, meta.series.name.lang)}"
                                f"{number}"]))
    original = meta.original
    if original:
        what = (f"Translated from the {language_name(original.language)}"
                if _base(original.language) != _base(meta.language) else "Reproduced from")
        title = original.title or meta.title
        source = ", ".join(_in(meta, x.text, x.lang or original.language)
                           for x in (original.publisher, original.place) if x)
        blocks.append(_block_c([
            f"{_english(meta, what)}: *{_in(meta, title.text, title.lang or original.language)}*",
            *([source] if source else []), original.date[:4]]))
    if meta.rights:
        blocks.append(_block_c([meta.rights]))
    numbers = [f"ISBN {mask(meta.isbn.print)} {_english(meta, '(print)')}"] \
        if meta.isbn.print else []
    numbers += [f"ISBN {mask(meta.isbn.epub)} {_english(meta, '(EPUB)')}"] \
        if meta.isbn.epub else []
    if numbers:
        blocks.append(_block_c(numbers))
    return blocks


def role_term(code: str) -> str:
    return relators()[code][0]
