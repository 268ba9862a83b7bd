"""Curly quotes in linear time: markdown-it-py's `smartquotes` rule, the same decisions
made the same way, without its two quadratic steps.

markdown-it-py (4.0) searches for each quote in a copy of the rest of the text token
(`text[lastIndex:]`) and writes each curly quote into a new copy of the whole token
(`replaceAt`), so a paragraph of n characters with k quotes costs n * k: a paragraph of
100,000 characters of `'a` took a minute. Here the search starts where the last one
ended, the quotes are written into a list of characters, and a closing quote finds its
opening one through an index of the open quotes of each kind, not by walking all of them.
The quotes are one character each (markup.py's `quotes`), so positions never shift.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_QUOTE = re.compile(r"['\"]")
APOSTROPHE = "\u2019"


def _punct(char: int) -> bool:
    return isMdAsciiPunct(char) or isPunctChar(chr(char))


class _Open:
    """The open quotes of one inline token, innermost last, and by kind (single or
    double) the indices of those open quotes in `items`."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, bool, int]] = []  # (token, position, single, level)
        self.of_kind: dict[bool, list[int]] = {True: [], False: []}

    def cut(self, size: int) -> None:
        del self.items[size:]
        for indices in self.of_kind.values():
            while indices and indices[-1] >= size:
                indices.pop()

    def push(self, item: tuple[int, int, bool, int]) -> None:
        self.of_kind[item[2]].append(len(self.items))
        self.items.append(item)


def _char_before(tokens: list[Token], i: int, text: str, at: int) -> int:
    if at > 0:
        return ord(text[at - 1])
    for j in range(i - 1, -1, -1):
        if tokens[j].type in ("softbreak", "hardbreak"):
            break
        if tokens[j].content:
            return ord(tokens[j].content[-1])
    return 0x20


def _char_after(tokens: list[Token], i: int, text: str, at: int) -> int:
    if at < len(text):
        return ord(text[at])
    for j in range(i + 1, len(tokens)):
        if tokens[j].type in ("softbreak", "hardbreak"):
            break
        if tokens[j].content:
            return ord(tokens[j].content[0])
    return 0x20


def _process(tokens: list[Token], quotes: Any) -> None:
    # The open quotes: their levels only grow from the bottom up (a token first drops
    # those deeper than itself), so the innermost open quote of a kind is the only one
    # a closing quote can match, if it is at the closing quote's level.
    stack = _Open()
    chars: dict[int, list[str]] = {}  # the tokens written into, as characters

    def write(index: int, at: int, quote: str) -> None:
        if index not in chars:
            chars[index] = list(tokens[index].content)
        chars[index][at] = quote

    for i, token in enumerate(tokens):
        level = token.level
        size = len(stack.items)
        while size and stack.items[size - 1][3] > level:
            size -= 1
        stack.cut(size)
        if token.type != "text":
            continue
        text = token.content
        found = _QUOTE.search(text)
        while found:
            at = found.start()
            single = found[0] == "'"
            last, next_ = _char_before(tokens, i, text, at), _char_after(tokens, i, text, at + 1)
            last_punct, next_punct = _punct(last), _punct(next_)
            last_space, next_space = isWhiteSpace(last), isWhiteSpace(next_)
            can_open = not next_space and not (next_punct and not (last_space or last_punct))
            can_close = not last_space and not (last_punct and not (next_space or next_punct))
            if next_ == 0x22 and not single and 0x30 <= last <= 0x39:
                can_open = can_close = False  # 1"" : the first is an inch
            if can_open and can_close:  # in a word: no; between punctuation: yes
                can_open, can_close = last_punct, next_punct
            found = _QUOTE.search(text, at + 1)
            if not can_open and not can_close:
                if single:
                    write(i, at, APOSTROPHE)
                continue
            if can_close:
                kind = stack.of_kind[single]
                if kind and stack.items[kind[-1]][3] == level:
                    index = kind[-1]
                    opened_in, opened_at = stack.items[index][0], stack.items[index][1]
                    open_quote, close_quote = (quotes[2], quotes[3]) if single else \
                        (quotes[0], quotes[1])
                    write(i, at, close_quote)
                    write(opened_in, opened_at, open_quote)
                    stack.cut(index)
                    continue
            if can_open:
                stack.push((i, at, single, level))
            elif can_close and single:
                write(i, at, APOSTROPHE)
    for i, written in chars.items():
        tokens[i].content = "".join(written)


def smartquotes(state: StateCore) -> None:
    """The core rule, in place of markdown-it's `smartquotes`."""
    if not state.md.options.typographer:
        return
    quotes = state.md.options.quotes
    assert all(len(quote) == 1 for quote in quotes), "one character each (see above)"
    for token in state.tokens:
        if token.type == "inline" and token.children and _QUOTE.search(token.content):
            _process(token.children, quotes)
