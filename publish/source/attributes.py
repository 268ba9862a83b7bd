"""The attributes an author may write in the text, in braces (mdit-py-plugins' attrs), and
nothing else: a language (`[мир]{lang=ru}`, `{lang=de}` before a block), an anchor
(`[words]{#name}`, `{#name}` before a block), small caps, superscript and subscript
(`[BC]{.sc}`, `[th]{.sup}`, `[2]{.sub}`), on a cross-reference the target's page
(`[page](#name){.page}`), and on a figure's image its anchor and width
(`![alt](../images/map.png){#map width=60}`). No other class, id or style reaches an
edition from the text.

Anchors and cross-references are collected in the parse's env (`anchors`, `xrefs`, with
their lines); the loader checks them across the book (a link to no anchor, two anchors of
one name).
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from publish.source.limits import Refusal
from publish.source.metadata import Coded, language_tag

SPAN_CLASSES = {"sc", "sup", "sub"}
LINK_CLASSES = {"page"}
ANCHOR = re.compile(r"[a-z][a-z0-9-]{0,99}")
# What markdown-it itself puts on tokens: not the author's braces.
_OWN = {"ordered_list_open": {"start"}, "th_open": {"style"}, "td_open": {"style"},
        "link_open": {"href"}}
_FIX = ("write {lang=ru}, {#name} or {.sc} after a [span] ({.page} after a link), or "
        "{lang=de} or {#name} on the line before a block; remove the others")


def check_attributes(state: StateCore) -> None:
    for block in state.tokens:
        line = (block.map[0] + 1) if block.map else 1
        for token in (block, *(block.children or ())):
            if token.type == "softbreak":
                line += 1
            if token.type == "link_open":
                _link(state, token, line)
            if token.type == "image":
                _image(state, token, line)
            if not (token.type == "span_open" or (token is block and token.nesting == 1
                                                  and token.attrs)):
                continue
            # A block's attributes stand on the line before it (`{lang=de}`).
            _check(state, token, line if token is not block else max(1, line - 1))


def _check(state: StateCore, token: Token, line: int) -> None:
    names = set(map(str, token.attrs)) - _OWN.get(token.type, set())
    if not names and token.type != "span_open":
        return
    classes = set(str(token.attrGet("class") or "").split())
    allowed = {"lang", "id", "class"} if token.type == "span_open" else {"lang", "id"}
    if token.type == "image":
        names, allowed = {"id"}, {"id"}
    wrong = sorted(names - allowed) or sorted(classes - SPAN_CLASSES)
    if wrong or not names:
        what = f"the attribute '{wrong[0]}'" if wrong else "a span with no attribute"
        raise Refusal("S-ATTRIBUTE", line, f"{what}: of attributes, the text has only a "
                      "language, an anchor, and small caps, superscript or subscript", _FIX)
    if "lang" in names:
        try:
            token.attrSet("lang", language_tag(str(token.attrGet("lang"))))
        except Coded as refused:
            raise Refusal(refused.code, line, refused.message, refused.fix) from None
    if "id" in names:
        anchor = str(token.attrGet("id"))
        if not ANCHOR.fullmatch(anchor):
            raise Refusal("S-ATTRIBUTE", line, f"'{{#{anchor[:40]}}}': an anchor is lower-case "
                          "letters, digits and hyphens, beginning with a letter", _FIX)
        state.env.setdefault("anchors", []).append((anchor, line))
        token.meta["anchor"] = anchor


def _image(state: StateCore, token: Token, line: int) -> None:
    """A figure's anchor and printed width (`{#name width=60}`, figures.py)."""
    wrong = sorted(set(map(str, token.attrs)) - {"src", "alt", "title", "id", "width"})
    if wrong:
        raise Refusal("S-ATTRIBUTE", line, f"the attribute '{wrong[0]}' on an image: an image "
                      "may have only an anchor and a width, {#name width=60}", _FIX)
    if token.attrGet("id"):
        _check(state, token, line)


def _link(state: StateCore, token: Token, line: int) -> None:
    """A cross-reference (`[text](#name)`), and the one class a link may have."""
    classes = set(str(token.attrGet("class") or "").split())
    names = set(map(str, token.attrs)) - {"href", "class", "title"}  # a title: S-LINK
    if names or classes - LINK_CLASSES:
        wrong = sorted(names) or sorted(classes - LINK_CLASSES)
        raise Refusal("S-ATTRIBUTE", line, f"the attribute '{wrong[0]}' on a link: a link may "
                      "have only {.page}, the page of its target", _FIX)
    href = str(token.attrGet("href"))
    if href.startswith("#"):
        state.env.setdefault("xrefs", []).append((href[1:], line))
    elif classes:
        raise Refusal("S-ATTRIBUTE", line, "{.page} on a link out of the book: only a "
                      "cross-reference (#name) has a page", "remove {.page}, or link to an "
                      "anchor of the book")
