"""The kinds of part a book is made of, and what each kind means to both editions.

The names are those of the EPUB Structural Semantics Vocabulary (epub:type) and of
DPUB-ARIA (role, `doc-` and the name). A kind says where a part stands in the book by
default (`matter`: the front matter, numbered in roman, the body, from arabic 1, or the
back matter, whose numbers go on from the body's), whether the printed contents list it,
whether its pages carry running heads and folios, and the EPUB landmark it is, if any.
A part's header may move it to another matter (`matter:`) or into or out of the contents
(`in_contents:`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Matter = Literal["front", "body", "back"]
KindName = Literal[
    "half-title", "dedication", "epigraph", "foreword", "preface", "introduction",
    "prologue", "chapter", "epilogue", "afterword", "appendix", "glossary", "bibliography",
    "acknowledgments", "colophon", "letter", "part",
]


@dataclass(frozen=True)
class Kind:
    name: str
    epub_type: str  # EPUB SSV
    role: str | None  # DPUB-ARIA; None where the vocabulary has none (the half-title)
    matter: Matter
    listed: bool  # in the printed contents, unless the header says otherwise
    heads: bool  # running heads and folios on its pages (not on a dedication's)
    landmark: str | None = None  # an EPUB landmark (the first part of the kind)

    @property
    def chapter_like(self) -> bool:
        """A part that a `part` (a group of chapters) may hold."""
        return self.name in ("chapter", "letter")


def _k(name: str, matter: Matter, listed: bool = True, heads: bool = True, *,
       epub_type: str | None = None, role: str | None = "", landmark: str | None = None
       ) -> Kind:
    return Kind(name, epub_type or name, f"doc-{name}" if role == "" else role, matter,
                listed, heads, landmark)


KINDS: dict[str, Kind] = {k.name: k for k in (
    _k("half-title", "front", False, False, epub_type="halftitlepage", role=None),
    _k("dedication", "front", False, False),
    _k("epigraph", "front", False, False),
    _k("foreword", "front", landmark="foreword"),
    _k("preface", "front", landmark="preface"),
    _k("introduction", "body", landmark="introduction"),
    _k("prologue", "body", landmark="prologue"),
    _k("chapter", "body"),
    _k("letter", "body", epub_type="chapter", role="doc-chapter"),
    _k("part", "body", heads=False),  # a part's title page: no folio, as books set it
    _k("epilogue", "body", landmark="epilogue"),
    _k("afterword", "back", landmark="afterword"),
    _k("appendix", "back", landmark="appendix"),
    _k("glossary", "back", landmark="glossary"),
    _k("bibliography", "back", landmark="bibliography"),
    _k("acknowledgments", "back", landmark="acknowledgments"),
    _k("colophon", "back", False, False, landmark="colophon"),
)}
