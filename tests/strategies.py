"""Hypothesis strategies for books in the source format (book.yaml + text/*.md).

`sources()` draws anything a hand might write: valid Markdown with every construct of the
format (spans and blocks of another language among them), odd white space, the characters
the fonts cover (and now and then one they do not), YAML header values written raw (so that
': ', '#', '&' or 'yes' can break or retype them), parts of every kind, grouped into parts
("Part One") or not, misspelt keys, refused constructs, language tags that are none, parts
out of order. `valid_sources()` leans to what the loader accepts, for the full builds: its
parts stand in the order of their matter (front, body, back), and a book in parts has
every chapter and letter in one.
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
from publish.source.kinds import KINDS

from .conftest import ROOTS

COVERED = frozenset().union(*(face.cmap for face in shipped_faces()))
# Latin-1, Latin Extended-A and general punctuation, as fonts/README.md lists them.
LATIN = "".join(chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x205F))
                if c in COVERED and chr(c).isprintable())
LETTERS = "".join(c for c in LATIN if c.isalpha())
CHINESE = "两封信测试出版社北京第一版中共中央和苏来往的七年月日"
RUSSIAN = "мирдругпсьмоКомитет"  # Gentium Book Plus sets Cyrillic
TAGS = ["de", "ru", "fr", "en-GB", "la", "zh-Hans", "zh-Hant"]  # a span's or a part's lang
BAD_TAGS = ["xx-zz-bad", "english", "", "de_"]  # not BCP 47 (or no tag at all)
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
        # A span of another language: `[мир]{lang=ru}`.
        st.text(RUSSIAN, min_size=1, max_size=6).map(lambda w: f"[{w}]{{lang=ru}}"),
        st.tuples(word, st.sampled_from(TAGS)).map(lambda t: f"[{t[0]}]{{lang={t[1]}}}"),
    ]
    if links:  # in the text only: a value of the metadata may hold none
        pieces += [st.tuples(word, url).map(lambda t: f"[{t[0]}]({t[1]})"),
                   url.map(lambda u: f"<{u}>")]
    if wild:
        pieces += [st.sampled_from(UNCOVERED), st.sampled_from(REFUSED),
                   # attributes the text does not have, and tags that are none
                   st.tuples(word, st.sampled_from([".red", "#mine", "style=x", "lang=de .x",
                                                    *(f"lang={t}" for t in BAD_TAGS)])).map(
                       lambda t: f"[{t[0]}]{{{t[1]}}}"),
                   word.map(lambda w: f"[{w}]{{}}")]
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
        # A block of another language: `{lang=de}` on the line before it.
        st.tuples(st.sampled_from(TAGS), paragraph).map(lambda t: f"{{lang={t[0]}}}\n{t[1]}"),
        st.tuples(st.sampled_from(["##", "###"]), line).map(" ".join),
        st.lists(paragraph, min_size=1, max_size=2).map(
            lambda ps: "::: editorial\n" + "\n\n".join(ps) + "\n:::"),
        lines.map(lambda items: "\n".join(f"- {item}" for item in items)),
        lines.map(lambda items: "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))),
        lines.map(lambda quoted: "\n".join(f"> {q}" for q in quoted)),
    ]
    if wild:
        blocks += [st.text(LATIN + "\n", min_size=1, max_size=40),
                   st.tuples(st.sampled_from(["{#mine}", "{.red}", "{lang=xx-zz-bad}"]),
                             paragraph).map("\n".join),
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
    lang = st.sampled_from(TAGS)  # a wild header's `extra` may give it a bad one
    letter = st.fixed_dictionaries(
        {"id": ids, "kind": st.just("letter"), "title": title, "short_title": value,
         "date": dates, "sender": value, "recipient": value},
        optional={"dateline": value, "addressee": st.lists(value, min_size=1, max_size=3),
                  "heading": st.lists(value, min_size=1, max_size=3),
                  "heading_printed": st.booleans(), "in_contents": st.booleans(),
                  "lang": lang})
    # Every other kind but `part` (a part heads a group: _sources makes those).
    kinds = [name for name in KINDS if name not in ("letter", "part")]
    other = st.fixed_dictionaries(
        {"id": ids, "kind": st.sampled_from(kinds), "title": title},
        optional={"short_title": value, "in_contents": st.booleans(),
                  "heading": st.lists(value, min_size=1, max_size=3),
                  "matter": st.sampled_from(["front", "body", "back"]), "lang": lang})
    headers = st.one_of(letter, letter, other, other.map(lambda h: {**h, "kind": "chapter"}))
    if wild:
        extra = st.dictionaries(st.sampled_from(["titel", "date", "kind", "colour", "id",
                                                 "matter", "lang"]),
                                st.one_of(value, st.integers(), st.booleans()), max_size=1)
        headers = st.tuples(headers, extra).map(lambda t: {**t[0], **t[1]})
    return headers


def matter(header: dict[str, Any]) -> int:
    """Where a part stands in a book whose parts are in order: 0 for the front matter, 1
    the body, 2 the back matter (as its header, else its kind, says)."""
    kind = KINDS.get(str(header.get("kind")))
    said = header.get("matter", kind.matter if kind else "body")
    return {"front": 0, "body": 1, "back": 2}.get(str(said), 1)


def chapter_like(header: dict[str, Any]) -> bool:
    kind = KINDS.get(str(header.get("kind")))
    return kind is not None and kind.chapter_like


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


# An entry of `text`: a part's index, or a group: the index of its part (`kind: part`)
# and those of its chapters.
Entry = int | tuple[int, list[int]]


@dataclass
class Source:
    """A book to write into a folder: book.yaml's changes from the minimal book, and parts."""

    meta: dict[str, Any]
    parts: list[Part]
    listed: list[Entry] = field(default_factory=list)  # the parts' order in `text`

    def write(self, folder: Path) -> Path:
        (folder / "text").mkdir(parents=True)
        names = [f"text/{number:02d}.md" for number in range(1, len(self.parts) + 1)]
        for name, part in zip(names, self.parts, strict=True):
            (folder / name).write_text(part.text(), encoding="utf-8", newline="")
        text: list[Any] = [names[entry] if isinstance(entry, int) else
                           {"part": names[entry[0]], "chapters": [names[i] for i in entry[1]]}
                           for entry in self.listed]
        meta = {**self.meta, "text": text}
        (folder / "book.yaml").write_text(
            yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10**6),
            encoding="utf-8")
        return folder


MINIMAL: dict[str, Any] = yaml.safe_load((ROOTS / "minimal" / "book.yaml").read_text("utf-8"))


@st.composite
def _meta(draw: st.DrawFn, wild: bool) -> dict[str, Any]:
    meta = copy.deepcopy(MINIMAL)
    value = inline(wild, links=wild, max_size=5)
    # The title and its alternates (the minimal book's: zh-Hans), now and then in another
    # language or script, or a plain string with none.
    plain = inline(False, links=False, max_size=4)  # what the new keys hold: no refusal
    title = {"en": draw(value), "zh-Hans": draw(st.text(CHINESE, min_size=1, max_size=6))}
    if draw(st.integers(0, 3)) == 0:
        title[draw(st.sampled_from(["ru", "de", "zh-Hant"]))] = draw(st.one_of(
            plain, st.text(RUSSIAN, min_size=1, max_size=8)))
    meta["title"] = title if draw(st.integers(0, 4)) else title["en"]
    meta["short_title"] = draw(value)
    meta["description"] = draw(value)
    meta["contributors"][0]["name"] = draw(st.one_of(
        plain, st.fixed_dictionaries({"en": plain, "ru": st.text(RUSSIAN, min_size=1)})))
    roles = draw(st.lists(st.sampled_from(["aut", "edt", "trl", "ill", "aui"]), min_size=1,
                          max_size=3, unique=True))
    meta["contributors"][1].update(kind="person", role=roles)
    del meta["contributors"][1]["sort"]  # a person's sort form is made from the name
    meta["cover"][0]["lines"] = draw(st.lists(value, min_size=1, max_size=3))
    meta["title_page"][1]["lines"] = draw(st.lists(value, min_size=1, max_size=3))
    if draw(st.booleans()):
        meta["contents_heading"] = draw(value)
    for page in ("cover", "title_page", "imprint"):  # made from the metadata when absent
        if draw(st.integers(0, 5)) == 0:
            del meta[page]
    if wild and draw(st.integers(0, 9)) == 0:  # one mistake in book.yaml
        mistake = draw(st.sampled_from(["value", "value", "tag", "role"]))
        if mistake == "tag":  # a language, or an alternate's, that is no BCP 47 tag
            tag = draw(st.sampled_from([*BAD_TAGS[:2], "chinese", "EN GB"]))
            if draw(st.booleans()):
                meta["language"] = tag
            else:
                meta["title"] = {"en": title["en"], tag: title["zh-Hans"]}
        elif mistake == "role":  # no MARC relator code
            meta["contributors"][1]["role"].append(draw(st.sampled_from(["author", "xx", "AUT"])))
        else:
            key = draw(st.sampled_from(["original", "print", None]))
            values = meta if key is None else meta[key]
            values[draw(st.sampled_from(["date", "title", "colour", "paper", "language",
                                         "isbn"]))] = draw(
                st.one_of(value, st.integers(-5, 3000), st.lists(value, max_size=2)))
    return meta


@st.composite
def _sources(draw: st.DrawFn, wild: bool) -> Source:
    parts = draw(st.lists(st.builds(Part, header(wild), st.just(False) if not wild
                                     else st.booleans(), body(wild)), min_size=1, max_size=3))
    if not wild:  # in the order of their matter, as the loader wants them
        parts.sort(key=lambda part: matter(part.header))
    for later, part in enumerate(parts[1:], 1):  # an id made of another's, now and then
        if draw(st.integers(0, 3)) == 0:
            earlier = parts[draw(st.integers(0, later - 1))].header["id"]
            suffix = draw(st.sampled_from(["-1", "-3", "-heading", "-dateline", "-x", "-1x", "2"]))
            part.header["id"] = f"{earlier}{suffix}"
    listed: list[Entry] = list(range(len(parts)))
    chapters = [i for i, part in enumerate(parts) if chapter_like(part.header) or wild]
    if not wild and any(matter(parts[i].header) != 1 for i in chapters):
        chapters = []  # a part is of the body: so must its chapters be
    if chapters and draw(st.integers(0, 3)) == 0:
        # A book in parts: a part ("Part One", `kind: part`) holding the chapters and
        # letters (in a wild one, any parts it draws, in any order).
        held = chapters if not wild else draw(st.lists(st.sampled_from(chapters), min_size=1,
                                                        max_size=3, unique=True))
        group = Part({"id": "group", "kind": "part", "title": draw(inline(wild, False, 4))},
                     False, draw(body(wild)))
        parts.append(group)
        rest = [i for i in range(len(parts) - 1) if i not in held]
        # The group stands where the body is: before the first part of the back matter.
        at = next((n for n, i in enumerate(rest) if matter(parts[i].header) > 1), len(rest))
        listed = [*rest[:at], (len(parts) - 1, held), *rest[at:]]
    if wild and draw(st.integers(0, 9)) == 0:
        listed.append(draw(st.sampled_from(listed)))  # a file listed twice
    return Source(draw(_meta(wild)), parts, listed)


def sources() -> st.SearchStrategy[Source]:
    """Two sources in three as a careful hand writes them, one as a careless (or hostile)
    one does: most of those are refused, and the property is about both."""
    return st.one_of(_sources(False), _sources(False), _sources(True))


def valid_sources() -> st.SearchStrategy[Source]:
    return _sources(False)
