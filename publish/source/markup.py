"""Markdown -> the parsed text of a part, with English typography, checked.

markdown-it-py does the parsing, curly quotes and dashes, and of its typographer only
those: its `replacements` rule, which would also turn what the author wrote into other
signs ((c) into ©, +- into ±, ... into …), is off, and `_dashes` applies its dash
patterns alone. Raw HTML is off, so any tag in a source is text, never markup. Two small
rules are ours because no library does them: no-break spaces where English typesetting
wants them, and an id for every block (the scheme is `ids.py`). What the format does not
have is refused here, at loading, with a code and a line (README: Safety): '#' headings
and those below '###', an image that is not a figure (`figures.py`), and links to
anything but a web page, an e-mail address or a part or anchor of the book; and what
markdown-it would silently drop or show as text that was not meant as text: a `:::`
line that is not a closed `::: editorial` note, a link reference that prints nothing
(`refusals.py`), nesting past markdown-it's limit, and (with a budget)
what passes the book's limits (`limits.py`, README: Limits). The curly quotes are
`quotes.py`'s, in linear time. The HTML is made from the parsed tokens by
`render/markup.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import block as block_phase
from markdown_it.rules_core.replacements import EM_DASH_RE, EN_DASH_INDENT_RE, EN_DASH_RE
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publish.errors import SourceError
from publish.source import figures, ids, limits, quotes, refusals, textblocks
from publish.source.attributes import ANCHOR, check_attributes
from publish.source.figures import Found
from publish.source.limits import Budget, Refusal
from publish.source.textblocks import CONTAINERS

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_NO_BREAK = [
    (re.compile(r"(?<![\w.])([A-Z]\.) (?=[A-Z])"), "\\1\u00a0"),  # V. I. Lenin
    (re.compile(rf"\b({_MONTHS}) (?=\d)"), "\\1\u00a0"),  # May 7
    (re.compile(r"\b(No\.|Nos\.|p\.|pp\.|Mr\.|Mrs\.|Dr\.) (?=\S)"), "\\1\u00a0"),
]


def _no_break_spaces(state: StateCore) -> None:
    for block in state.tokens:
        for token in block.children or ():
            if token.type == "text":
                for pattern, replacement in _NO_BREAK:
                    token.content = pattern.sub(replacement, token.content)


def _dashes(state: StateCore) -> None:
    """`---` an em dash, `--` an en dash (spaced, or between two characters), in the text,
    never in code or in an autolink's address: the dashes of markdown-it's `replacements`
    rule, with its own patterns, and nothing else of that rule. Four hyphens or more stay
    as written. Each pattern looks a fixed number of characters around a position:
    linear time."""
    for block in state.tokens:
        in_autolink = False
        for token in block.children or ():
            if token.type == "text" and not in_autolink and "--" in token.content:
                text = EM_DASH_RE.sub("\\1\u2014", token.content)
                text = EN_DASH_RE.sub("\\1\u2013", text)
                token.content = EN_DASH_INDENT_RE.sub("\\1\u2013", text)
            elif token.type in ("link_open", "link_close") and token.info == "auto":
                in_autolink = token.type == "link_open"


_BLOCKS = {"paragraph_open", "heading_open", "list_item_open", "blockquote_open", "tr_open",
           "caption_open", "hr"}


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
            # An anchor the author gave the block (`{#name}`) is its id in both editions.
            token.attrSet("id", token.meta.get("anchor") or ids.block(prefix, number))


def _check_blocks(state: StateCore) -> None:
    """Refuse what the format does not have ('#' headings and those below '###', images,
    links that lead nowhere in one of the editions); collect the headings (`##`, `###`)
    for the table of contents."""
    for at, token in enumerate(state.tokens):
        if token.type == "heading_open" and token.tag not in ("h2", "h3"):
            line = (token.map[0] + 1) if token.map else 1
            fix = "use '##' for a section and '###' for a subsection"
            if token.tag == "h1":
                raise Refusal("S-HEADING-LEVEL", line, "a '#' heading in the text: the part's "
                              "own heading (h1) comes from its header", fix)
            # The contents, the toc, the NCX and the PDF's outline nest two levels under a
            # part: a deeper heading would be listed beside the sections, not under them.
            raise Refusal("S-HEADING-LEVEL", line, f"a '{'#' * int(token.tag[1])}' heading "
                          "in the text: a part has sections ('##') and subsections ('###'), "
                          "nothing deeper", fix)
        if token.type == "heading_open":
            text = "".join(c.content for c in state.tokens[at + 1].children or ())
            state.env.setdefault("headings", []).append(
                Heading(int(token.tag[1]), str(token.attrGet("id") or ""), text))
    for block in state.tokens:
        # The line of an inline token: its block's first line plus the line breaks before it.
        line = (block.map[0] + 1) if block.map else 1
        children = block.children or []
        depth = 0
        for at, token in enumerate(children):
            depth += token.nesting
            if depth > MAX_INLINE_NESTING:
                # Emphasis is paired after markdown-it's own nesting limit: '*a ' three
                # hundred times nests three hundred elements, past what lxml and the
                # renderers take (lxml: 256).
                raise Refusal("S-NESTING", line, f"emphasis, links and code nested more than "
                              f"{MAX_INLINE_NESTING} deep", "write the emphasis once")
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif (token.type == "link_open" and at + 1 < len(children)
                  and children[at + 1].type == "link_close"):
                raise Refusal("S-LINK", line, "a link with no text: a reader sees nothing to "
                              "follow, and a screen reader says nothing", "write the link's "
                              "words between the brackets: [the archive](https://...)")
            elif token.type == "link_open" and token.attrGet("title"):
                raise Refusal("S-LINK", line, "a link's title (the words in quotes after its "
                              "address) would be in neither edition's text", "put the words "
                              "into the text, and keep only the address in the brackets")
            elif token.type == "link_open" and not _web_or_mail(str(token.attrGet("href"))) \
                    and not _cross_reference(str(token.attrGet("href"))):
                target = str(token.attrGet("href"))[:80]
                raise Refusal("S-LINK", line, f"a link to '{target}': a link may lead only to a "
                              "web page (http:, https:), an e-mail address (mailto:) or a part "
                              "or anchor of the book (#name)",
                              "link to a full web address or to #name, or remove the link")


MAX_INLINE_NESTING = 20  # markdown-it's own limit for the inline rules (commonmark preset)


# What a link may point to. Anything else (a file of the book or of the machine, a
# fragment, javascript:, data:) either runs script, leads nowhere in one of the two
# editions (EPUBCheck rejects a link to a missing file or id) or would put a path of
# the building machine into the PDF.
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")


def _cross_reference(href: str) -> bool:
    return href.startswith("#") and bool(ANCHOR.fullmatch(href[1:]))


def _web_or_mail(href: str) -> bool:
    try:
        url = urlsplit(href)
    except ValueError:
        return False
    if url.scheme in ("http", "https"):
        return bool(_HOST.match(url.netloc))
    return url.scheme == "mailto" and bool(url.path) and not url.netloc


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The one Markdown parser of the format (render/markup.py renders what it parses)."""
    md = MarkdownIt("commonmark", {"typographer": True, "html": False, "xhtmlOut": True})
    # Of the typographer, the quotes and the dashes only: markdown-it's `replacements`
    # would also make (c) ©, (r) ®, (tm) ™, +- ±, .. … and ,, , of what the author wrote.
    md.enable(["smartquotes"])
    md.core.ruler.before("smartquotes", "dashes", _dashes)
    md.options["quotes"] = "\u201c\u201d\u2018\u2019"
    # Every link and image reaches `_check_blocks`, which refuses the ones the format does
    # not allow with a message, where markdown-it would silently show them as text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    for name in CONTAINERS:
        md.use(container_plugin, name)
    md.use(footnote_plugin)
    md.enable("table")
    # What markdown-it would silently drop or show as text is refused (limits.py, and
    # the `:::` fences and unused references here); the block parser's own limit, past
    # which it drops the rest of the text, is never reached (limits.MAX_NESTING).
    md.core.ruler.at("block", _block_phase)
    md.core.ruler.after("block", "check_sizes", limits.check_sizes)
    md.core.ruler.after("check_sizes", "record_references",
                          refusals.record_references)
    md.core.ruler.at("smartquotes", quotes.smartquotes)  # linear time: quotes.py
    md.block.ruler.before("table", "count_blocks", limits.count_blocks)
    md.block.ruler.before("container_editorial", "fences", refusals.fences,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    for name in ("blockquote", "list", *(f"container_{c}" for c in CONTAINERS)):
        rule = next(rule for rule in md.block.ruler.__rules__ if rule.name == name)
        md.block.ruler.at(name, limits.nested(rule.fn, name == "container_editorial"),
                          {"alt": rule.alt})
    # `[мир]{lang=ru}`, `{#name}`, `[BC]{.sc}`, `[page](#name){.page}`: attributes.py.
    md.use(attrs_plugin, spans=True, after=("span_close", "link_close", "image"))
    md.use(attrs_block_plugin)
    md.core.ruler.push("check_attributes", check_attributes)
    md.core.ruler.push("check_notes", textblocks.check_notes)
    md.core.ruler.push("figures", figures.mark_figures)
    md.core.ruler.push("verse_lines", textblocks.verse_lines)
    md.core.ruler.push("attributions", textblocks.attributions)
    md.core.ruler.push("check_tables", textblocks.check_tables)
    md.core.ruler.push("table_captions", textblocks.table_captions)
    md.core.ruler.push("no_break_spaces", _no_break_spaces)
    md.core.ruler.push("block_ids", _block_ids)
    md.core.ruler.push("check_blocks", _check_blocks)
    md.core.ruler.push("check_references", refusals.check_references)
    md.core.ruler.push("check_runs", limits.check_runs)
    return md


def _block_phase(state: StateCore) -> None:
    """markdown-it's block phase, with its nesting limit (the commonmark preset's 20, which
    inline parsing keeps) far above ours: past it, the block parser drops the rest of the
    text. A list's item is two levels, so 10 lists inside each other reach level 21."""
    options = state.md.options
    inline_limit = options.maxNesting
    options.maxNesting = limits.BLOCK_LEVELS
    try:
        block_phase(state)
    finally:
        options.maxNesting = inline_limit


@dataclass(frozen=True)
class Heading:
    level: int  # 2 or 3: a section or a subsection of a part
    id: str
    text: str  # with typography, without markup


@dataclass(frozen=True)
class Block:
    """One block of a part's text, as the tree of the parse: its kind (markdown-it's token
    type: `paragraph`, `heading`, `bullet_list`, `list_item`, `blockquote`,
    `container_editorial`, ...), its id, the line of its file where it begins, its text
    (with typography, without markup) and the blocks inside it."""

    kind: str
    id: str | None
    line: int
    text: str = ""
    children: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Text:
    """A part's text, parsed and checked: markdown-it's tokens (which the renderer turns
    into HTML), the same as a tree of blocks, and its headings."""

    tokens: tuple[Token, ...]
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    first_line: int  # the line of the file where the text begins
    anchors: tuple[tuple[str, int], ...] = ()  # `{#name}`s, with their lines in the file
    xrefs: tuple[tuple[str, int], ...] = ()  # the names `(#name)` links lead to, and lines
    figures: tuple[Found, ...] = ()  # its images, with their lines in the file

    def characters(self) -> Iterator[tuple[int, str]]:
        """Every character the text draws, with the line of the file it is on."""
        for block in self.tokens:
            line = self.first_line + (block.map[0] if block.map else 0)
            if block.type in ("code_block", "fence"):
                for number, content in enumerate(block.content.split("\n"), line):
                    yield from ((number, char) for char in content)
            for token in block.children or ():
                if token.type in ("softbreak", "hardbreak"):
                    line += 1
                elif token.type in ("text", "code_inline"):
                    for number, content in enumerate(token.content.split("\n"), line):
                        yield from ((number, char) for char in content)
                elif token.type == "image":  # its caption is printed
                    yield from ((line, char) for char in str(token.attrGet("title") or ""))


def _tree(tokens: list[Token], first_line: int) -> tuple[Block, ...]:
    """The token stream as a tree of blocks (markdown-it's own `SyntaxTreeNode` keeps
    tokens, not the format's ids and lines)."""
    stack: list[tuple[Token | None, list[Block]]] = [(None, [])]
    for token in tokens:
        line = first_line + (token.map[0] if token.map else 0)
        if token.nesting == 1:
            stack.append((token, []))
        elif token.nesting == -1:
            opened, children = stack.pop()
            assert opened is not None
            text = "".join(b.text for b in children if b.kind == "inline")
            kept = tuple(b for b in children if b.kind != "inline")
            opened_line = first_line + (opened.map[0] if opened.map else 0)
            stack[-1][1].append(Block(opened.type.removesuffix("_open"),
                                      _id(opened), opened_line, text, kept))
        elif token.type == "inline":
            stack[-1][1].append(Block("inline", None, line, _plain([token])))
        else:  # a block with no children: a code block, a rule
            stack[-1][1].append(Block(token.type, _id(token), line, token.content))
    return tuple(stack[0][1])


def _id(token: Token) -> str | None:
    value = token.attrGet("id")
    return None if value is None else str(value)


def parse_text(markdown_text: str, source: str, first_line: int, part_id: str,
               budget: Budget | None = None, epigraph: bool = False) -> Text:
    """A part's Markdown text, parsed: its blocks numbered `<part_id>-<n>`, its headings
    collected; what the format refuses raises a SourceError naming `source` and the line.
    `budget`: what is left of the book's limits (limits.py), which the text is checked
    against and uses up; without one, only the format's own rules are checked.
    `epigraph`: the text is the book's epigraph (its last line may be its attribution)."""
    env: dict[str, Any] = {"id_prefix": part_id, "budget": budget, "epigraph": epigraph}
    try:
        tokens = markdown().parse(markdown_text, env)
    except Refusal as refused:
        raise SourceError(refused.code, refused.message, refused.fix, source,
                          first_line + refused.line - 1) from None
    def lines(found: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
        return tuple((name, first_line + line - 1) for name, line in found)
    found = tuple(replace(f, line=first_line + f.line - 1) for f in env.get("figures", []))
    return Text(tuple(tokens), _tree(tokens, first_line), tuple(env.get("headings", [])),
                first_line, lines(env.get("anchors", [])), lines(env.get("xrefs", [])), found)


def check_inline(text: str) -> None:
    """Raise Refusal if a line of metadata holds what the format does not have: what the
    text refuses, and any link (a title is itself a link in the contents and the toc)."""
    for token in markdown().parseInline(text):
        if any(child.type == "link_open" for child in token.children or ()):
            raise Refusal("S-LINK", 1, "a link in a title or a line of book.yaml or a header: "
                          "links belong in the text", "write the address as plain text, or "
                          "put the link into the text")


def plain_text(text: str) -> str:
    """One line of metadata (a title) with typography applied but no markup, for
    attributes, navigation and records."""
    return _plain(markdown().parseInline(text))


def _plain(inline: list[Token]) -> str:
    """The text of inline tokens without their markup."""
    return "".join(child.content for token in inline for child in (token.children or ())
                   if child.type in ("text", "code_inline"))
