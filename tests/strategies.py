"""Hypothesis strategies for books in the source format (book.yaml + text/*.md).

`sources()` draws anything a hand might write: valid Markdown with every construct of the
format, odd white space, the characters the fonts cover (and now and then one they do not),
YAML header values written raw (so that ': ', '#', '&' or 'yes' can break or retype them),
misspelt keys, refused constructs. `valid_sources()` leans to what the loader accepts, for
the full builds.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from publish.source.fonts import shipped_faces

from .conftest import ROOTS

COVERED = frozenset().union(*(face.cmap for face in shipped_faces()))
# Latin-1, Latin Extended-A and general punctuation, as fonts/README.md lists them.
LATIN = "".join(chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x205F))
                if c in COVERED and chr(c).isprintable())
LETTERS = "".join(c for c in LATIN if c.isalpha())
CHINESE = "两封信测试出版社北京第一版中共中央和苏来往的七年月日"
UNCOVERED = ["\u0f00", "\u2603", "\U0001f600", "\x07", "&#x2603;", "&#0;", "\u0085"]
REFUSED = ["# A heading", "![a seal](seal.png)", "[there](other.md)", "Heading\n=======",
           "[x](javascript:alert(1))", "<https://exa mple.org>"]

word = st.text(LETTERS, min_size=1, max_size=8)
url = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_~", min_size=1, max_size=10).map(
    lambda path: f"https://example.org/{path}")


@cache  # strategies are built once: building one costs more than a draw
def _piece(wild: bool, links: bool) -> st.SearchStrategy[str]:
    pieces = [
        word, word, word,
        word.map(lambda w: f"*{w}*"), word.map(lambda w: f"**{w}**"), word.map(lambda w: f"_{w}_"),
        word.map(lambda w: f'"{w}"'), word.map(lambda w: f"'{w}'"), word.map(lambda w: f"`{w}`"),
        st.sampled_from(["--", "---", "...", "(c)", "+-", "No. 5", "V. I. Lenin", "May 7", "p. 12",
                         "&amp;", "&copy;", "&#8212;", "\u00a0", "<b>", "</p>", "1964年"]),
        st.text(CHINESE, min_size=1, max_size=4),
        st.text(LATIN, min_size=1, max_size=3),  # any covered character
    ]
    if links:  # in the text only: a value of the metadata may hold none
        pieces += [st.tuples(word, url).map(lambda t: f"[{t[0]}]({t[1]})"),
                   url.map(lambda u: f"<{u}>")]
    if wild:
        pieces += [st.sampled_from(UNCOVERED), st.sampled_from(REFUSED)]
    return st.one_of(*pieces)


@cache
def inline(wild: bool, links: bool = True, max_size: int = 6) -> st.SearchStrategy[str]:
    """A line of Markdown inline text, its pieces apart by odd white space now and then."""
    space = st.sampled_from([" ", " ", " ", "  ", "\t", " \u00a0"])
    return st.lists(st.tuples(_piece(wild, links), space), min_size=1, max_size=max_size).map(
        lambda pairs: "".join(p + s for p, s in pairs).strip() or "x")


@cache
def _block(wild: bool) -> st.SearchStrategy[str]:
    line = inline(wild)
    lines = st.lists(line, min_size=1, max_size=2)
    paragraph = st.tuples(lines, st.sampled_from(["\n", "  \n", "\\\n"])).map(
        lambda t: t[1].join(t[0]))
    blocks = [
        paragraph, paragraph, paragraph,
        st.tuples(st.sampled_from(["##", "###"]), line).map(" ".join),
        st.lists(paragraph, min_size=1, max_size=2).map(
            lambda ps: "::: editorial\n" + "\n\n".join(ps) + "\n:::"),
        lines.map(lambda items: "\n".join(f"- {item}" for item in items)),
        lines.map(lambda items: "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))),
        lines.map(lambda quoted: "\n".join(f"> {q}" for q in quoted)),
    ]
    if wild:
        blocks += [st.text(LATIN + "\n", min_size=1, max_size=40),
                   paragraph.map(lambda p: "    " + p)]  # an indented code block
    return st.one_of(*blocks)


@cache
def body(wild: bool = True) -> st.SearchStrategy[str]:
    gap = st.sampled_from(["\n\n", "\n\n", "\n\n\n", "\n \n", "\n\t\n", "\r\n\r\n"])
    return st.lists(st.tuples(_block(wild), gap), min_size=1, max_size=5).map(
        lambda pairs: "".join(b + g for b, g in pairs))


# Short ids of few letters, so that two parts' ids often meet (`a` and `a-2`).
ids = st.lists(st.text("abc0123456789", min_size=1, max_size=2), min_size=1, max_size=3).map(
    lambda parts: "a" + "-".join(parts))


@cache
def header(wild: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    value = inline(wild, links=wild, max_size=5)
    # Now and then a link where the format has none: a part's title is a link in the contents.
    title = st.integers(0, 11).flatmap(
        lambda n: inline(wild, links=True, max_size=5) if n == 0 else value)
    dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)).map(str)
    letter = st.fixed_dictionaries(
        {"id": ids, "kind": st.just("letter"), "title": title, "short_title": value,
         "date": dates, "sender": value, "recipient": value},
        optional={"dateline": value, "addressee": st.lists(value, min_size=1, max_size=3),
                  "heading": st.lists(value, min_size=1, max_size=3),
                  "heading_printed": st.booleans(), "in_contents": st.booleans()})
    preface = st.fixed_dictionaries(
        {"id": ids, "kind": st.just("preface"), "title": title, "short_title": value},
        optional={"in_contents": st.booleans()})
    headers = st.one_of(letter, preface)
    if wild:
        extra = st.dictionaries(st.sampled_from(["titel", "date", "kind", "colour", "id"]),
                                st.one_of(value, st.integers(), st.booleans()), max_size=1)
        headers = st.tuples(headers, extra).map(lambda t: {**t[0], **t[1]})
    return headers


@dataclass
class Part:
    header: dict[str, Any]
    raw: bool  # the header written as `key: value` lines, values unquoted
    body: str

    def text(self) -> str:
        if self.raw:
            lines = "".join(f"{key}: {value}\n" for key, value in self.header.items())
        else:
            lines = yaml.safe_dump(self.header, sort_keys=False, allow_unicode=True, width=10**6)
        return f"---\n{lines}---\n\n{self.body}"


@dataclass
class Source:
    """A book to write into a folder: book.yaml's changes from the minimal book, and parts."""

    meta: dict[str, Any]
    parts: list[Part]
    listed: list[int] = field(default_factory=list)  # the parts' order in `text`

    def write(self, folder: Path) -> Path:
        (folder / "text").mkdir(parents=True)
        names = [f"text/{number:02d}.md" for number in range(1, len(self.parts) + 1)]
        for name, part in zip(names, self.parts, strict=True):
            (folder / name).write_text(part.text(), encoding="utf-8", newline="")
        meta = {**self.meta, "text": [names[i] for i in self.listed]}
        (folder / "book.yaml").write_text(
            yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10**6),
            encoding="utf-8")
        return folder


MINIMAL: dict[str, Any] = yaml.safe_load((ROOTS / "minimal" / "book.yaml").read_text("utf-8"))


@st.composite
def _meta(draw: st.DrawFn, wild: bool) -> dict[str, Any]:
    meta = copy.deepcopy(MINIMAL)
    value = inline(wild, links=wild, max_size=5)
    meta["original"]["title"] = draw(value)
    meta["edition"]["short_title"] = draw(value)
    meta["edition"]["description"] = draw(value)
    meta["cover"][0]["lines"] = draw(st.lists(value, min_size=1, max_size=3))
    meta["title_page"][1]["lines"] = draw(st.lists(value, min_size=1, max_size=3))
    if draw(st.booleans()):
        meta["contents_heading"] = draw(value)
    if wild and draw(st.integers(0, 9)) == 0:
        key = draw(st.sampled_from(["original", "edition", "print"]))
        meta[key][draw(st.sampled_from(["year", "title", "colour", "paper"]))] = draw(
            st.one_of(value, st.integers(-5, 3000), st.lists(value, max_size=2)))
    return meta


@st.composite
def _sources(draw: st.DrawFn, wild: bool) -> Source:
    parts = draw(st.lists(st.builds(Part, header(wild), st.just(False) if not wild
                                     else st.booleans(), body(wild)), min_size=1, max_size=3))
    for later, part in enumerate(parts[1:], 1):  # an id made of another's, now and then
        if draw(st.integers(0, 3)) == 0:
            earlier = parts[draw(st.integers(0, later - 1))].header["id"]
            suffix = draw(st.sampled_from(["-1", "-3", "-heading", "-dateline", "-x", "-1x", "2"]))
            part.header["id"] = f"{earlier}{suffix}"
    listed = list(range(len(parts)))
    if wild and draw(st.integers(0, 9)) == 0:
        listed.append(draw(st.sampled_from(listed)))  # a file listed twice
    return Source(draw(_meta(wild)), parts, listed)


def sources() -> st.SearchStrategy[Source]:
    """Two sources in three as a careful hand writes them, one as a careless (or hostile)
    one does: most of those are refused, and the property is about both."""
    return st.one_of(_sources(False), _sources(False), _sources(True))


def valid_sources() -> st.SearchStrategy[Source]:
    return _sources(False)
