"""A title in sentence case, as a catalogue transcribes it: RDA Appendix A.4 (and LC-PCC PS
1.7.1) capitalizes the first word of a title and of a parallel title, and proper names;
every other word is set in lower case ("Seven letters exchanged between the Central
Committees of the Communist Party of China ...", "The house by the river : a novel").

Which words are proper names no library says, and the title (set in title case, or in
capitals) cannot: the book's own text does. A word is kept capitalized if the text writes
it so more often than not where it is not the first word of a sentence ("Party" in "the
Party's line", "Committee"), or if a name, place or subject of book.yaml holds it; a word
in capitals (an initialism: "CPC") stays as it is. German's nouns come out capitalized by
the same count, as its orthography has them. A title in a script with no case is as it was.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publish.source.markup import plain_text

if TYPE_CHECKING:
    from publish.source.model import Book

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
NOUNS_CAPITALIZED = {"de", "lb", "gsw"}  # German, Luxembourgish, Swiss German


@dataclass(frozen=True)
class Usage:
    """How the book writes its words (in lower case): which with a capital, as names are,
    and which it writes at all."""

    proper: frozenset[str]
    seen: frozenset[str]
    initialisms: frozenset[str] = frozenset()  # written in capitals: "cpc", "ussr"


def usage(book: Book) -> Usage:
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    initialisms: set[str] = set()
    for part in book.parts:
        for token in part.text.tokens:
            if token.type != "inline":
                continue
            # The inline's own text tokens: its content parsed again alone would lack the
            # part's notes, which its note calls refer to.
            text = "".join(" " if child.type in ("softbreak", "hardbreak") else child.content
                           for child in token.children or () if child.type in (
                               "text", "code_inline", "softbreak", "hardbreak"))
            for sentence in SENTENCE.split(text):
                words = WORD.findall(sentence)
                initialisms.update(w.lower() for w in words if len(w) > 1 and w.isupper()
                                   and not sentence.isupper())
                for word in words[1:]:
                    (capital if word[0].isupper() else lower)[word.lower()] += 1
    seen = frozenset(capital | lower)
    # A word the text never writes: capitalized if a name of book.yaml has it so.
    named = {word.lower() for text in _names(book) for word in WORD.findall(text)
             if word[0].isupper() and word.lower() not in seen}
    return Usage(frozenset({w for w in capital if capital[w] > lower[w]} | named), seen,
                 frozenset(initialisms))


def _names(book: Book) -> Iterable[str]:
    meta = book.meta
    for contributor in meta.contributors:
        yield plain_text(contributor.name.text)
    for forms in (meta.publisher, meta.place):
        if forms is not None:
            yield plain_text(forms.text)
    # A place, a body or a person of the subjects is a name; a topic's words are not.
    yield from (heading.text for heading in meta.subjects.lcsh if not isinstance(heading, str))


def sentence_case(title: str, words: Usage, lang: str, first: bool = True) -> str:
    """`title` with each word but the first (unless `first` is false: a subtitle) and the
    proper names and initialisms in lower case; a word after a full stop, a question or an
    exclamation mark begins a sentence and keeps its capital. In a language that writes
    its nouns with a capital (German), a word the text never writes keeps the title's."""
    keep_unknown = lang.split("-")[0] in NOUNS_CAPITALIZED
    capitals = title.isupper()  # all in capitals: no initialism can be told from a word
    out: list[str] = []
    last = 0
    starts = first
    for match in WORD.finditer(title):
        word, lowered = match[0], match[0].lower()
        between = title[last:match.start()]
        starts = starts or bool(re.search(r"[.!?]\s*$", between))
        named = lowered in words.proper or (keep_unknown and lowered not in words.seen)
        if capitals:  # the text tells an initialism ("CPC") from a word
            word = word if lowered in words.initialisms else \
                word.capitalize() if starts or named else lowered
        elif not (starts or named or (len(word) > 1 and word.isupper())):
            word = lowered
        out += [between, word]
        last, starts = match.end(), False
    return "".join(out) + title[last:]
