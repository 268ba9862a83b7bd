"""Markdown and metadata lines -> HTML fragments, with English typography.

markdown-it-py does the parsing, curly quotes and dashes; raw HTML is off, so any
tag in a source is shown as text, never passed into an edition. Two small rules are
ours because no library does them: no-break spaces where English typesetting wants
them, and a `lang="zh-Hans"` span around every run of Chinese. What the format does
not have is refused with a code and a line (README: Safety): '#' headings, images,
and links to anything but a web page or an e-mail address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .errors import SourceError

# Han ideographs, CJK symbols and punctuation, full-width forms.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A Chinese run takes in the digits, Latin letters and dashes set solid against it
# ("1964年", "（英）3050—938"), so that one line of Chinese is one run.
_SOLID = "0-9A-Za-z\u2013\u2014-"
_CHINESE_RUN = re.compile(f"[{_SOLID}]*(?:[{_CJK}]+[{_SOLID}]*)+")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_NO_BREAK = [
    (re.compile(r"(?<![\w.])([A-Z]\.) (?=[A-Z])"), "\\1\u00a0"),  # V. I. Lenin
    (re.compile(rf"\b({_MONTHS}) (?=\d)"), "\\1\u00a0"),  # May 7
    (re.compile(r"\b(No\.|Nos\.|p\.|pp\.|Mr\.|Mrs\.|Dr\.) (?=\S)"), "\\1\u00a0"),
]
ZH = "zh-Hans"


def chinese_span(match: re.Match[str]) -> str:
    return f'<span lang="{ZH}" xml:lang="{ZH}">{match[0]}</span>'


def _text(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return _CHINESE_RUN.sub(chinese_span, escapeHtml(tokens[idx].content))


def _no_break_spaces(state: StateCore) -> None:
    for block in state.tokens:
        for token in block.children or ():
            if token.type == "text":
                for pattern, replacement in _NO_BREAK:
                    token.content = pattern.sub(replacement, token.content)


_BLOCKS = {"paragraph_open", "heading_open", "list_item_open", "blockquote_open"}


def _block_ids(state: StateCore) -> None:
    """Give every block an id (`<part>-<n>`): the page map names where a printed page
    begins by block and offset, and the EPUB puts its page-break markers there."""
    prefix = state.env.get("id_prefix")
    if not prefix:
        return
    number = 0
    for token in state.tokens:
        if token.type in _BLOCKS and not token.hidden:
            number += 1
            token.attrSet("id", f"{prefix}-{number}")


def _check_blocks(state: StateCore) -> None:
    """Refuse what the format does not have ('#' headings, images, links that lead
    nowhere in one of the editions); collect the headings (`##`, `###`) for the table
    of contents."""
    for at, token in enumerate(state.tokens):
        if token.type == "heading_open" and token.tag == "h1":
            line = (token.map[0] + 1) if token.map else 1
            raise Refusal("S-HEADING-LEVEL", line, "a '#' heading in the text: the part's "
                          "own heading (h1) comes from its header",
                          "use '##' for a section and '###' for a subsection")
        if token.type == "heading_open":
            text = "".join(c.content for c in state.tokens[at + 1].children or ())
            state.env.setdefault("headings", []).append(
                Heading(int(token.tag[1]), str(token.attrGet("id") or ""), text))
    for block in state.tokens:
        # The line of an inline token: its block's first line plus the line breaks before it.
        line = (block.map[0] + 1) if block.map else 1
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "image":
                raise Refusal("S-IMAGE", line, "images are not supported in the text yet",
                              "remove the image; describe it in words if it matters")
            elif token.type == "link_open" and not _web_or_mail(str(token.attrGet("href"))):
                target = str(token.attrGet("href"))[:80]
                raise Refusal("S-LINK", line, f"a link to '{target}': a link may lead only to a "
                              "web page (http:, https:) or an e-mail address (mailto:)",
                              "link to a full web address, or remove the link")


# What a link may point to. Anything else (a file of the book or of the machine, a
# fragment, javascript:, data:) either runs script, leads nowhere in one of the two
# editions (EPUBCheck rejects a link to a missing file or id) or would put a path of
# the building machine into the PDF.
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")


def _web_or_mail(href: str) -> bool:
    try:
        url = urlsplit(href)
    except ValueError:
        return False
    if url.scheme in ("http", "https"):
        return bool(_HOST.match(url.netloc))
    return url.scheme == "mailto" and bool(url.path) and not url.netloc


class Refusal(Exception):
    """Something the format does not have, at `line` of the Markdown given."""

    def __init__(self, code: str, line: int, message: str, fix: str) -> None:
        super().__init__(message)
        self.code, self.line, self.message, self.fix = code, line, message, fix


def _editorial(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].nesting == 1:
        return '<div class="editorial" epub:type="notice" role="doc-notice">\n'
    return "</div>\n"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": False, "xhtmlOut": True})
    md.enable(["replacements", "smartquotes"])
    md.options["quotes"] = "\u201c\u201d\u2018\u2019"
    # Every link and image reaches `_check_blocks`, which refuses the ones the format does
    # not allow with a message, where markdown-it would silently show them as text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.use(container_plugin, "editorial", render=_editorial)
    md.core.ruler.push("no_break_spaces", _no_break_spaces)
    md.core.ruler.push("block_ids", _block_ids)
    md.core.ruler.push("check_blocks", _check_blocks)
    md.add_render_rule("text", _text)
    return md


@dataclass(frozen=True)
class Heading:
    level: int  # 2 or 3: a section or a subsection of a part
    id: str
    text: str  # with typography, without markup


@dataclass(frozen=True)
class Body:
    html: str
    headings: list[Heading]


def body_html(markdown: str, source: str, first_line: int, id_prefix: str) -> Body:
    """A part's Markdown body as an HTML fragment, its blocks numbered `<id_prefix>-<n>`,
    and its headings; errors name `source` and the line."""
    env: dict[str, Any] = {"id_prefix": id_prefix}
    try:
        html = str(_markdown().render(markdown, env))
        return Body(html, env.get("headings", []))
    except Refusal as refused:
        raise SourceError(refused.code, refused.message, refused.fix, source,
                          first_line + refused.line - 1) from None


def check_inline(text: str) -> None:
    """Raise Refusal if a line of metadata holds what the format does not have: what the
    text refuses, and any link (a title is itself a link in the contents and the toc)."""
    for token in _markdown().parseInline(text):
        if any(child.type == "link_open" for child in token.children or ()):
            raise Refusal("S-LINK", 1, "a link in a title or a line of book.yaml or a header: "
                          "links belong in the text", "write the address as plain text, or "
                          "put the link into the text")


def inline_html(text: str) -> str:
    """One line of metadata (a title, a heading line) as inline HTML."""
    return str(_markdown().renderInline(text))


def plain_text(text: str) -> str:
    """The same line with typography applied but no markup, for attributes and metadata."""
    tokens = _markdown().parseInline(text)
    return "".join(
        child.content for token in tokens for child in (token.children or ())
        if child.type in ("text", "code_inline")
    )
