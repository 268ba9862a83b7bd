"""Rules of the renderer (render/markup.py) for what the text holds beyond paragraphs:
spans (a language, small caps, superscript, subscript, an anchor), cross-references and
the target's page, stanzas and their lines, tables, scene breaks. Each is a markdown-it
renderer rule: (renderer, tokens, idx, options, env) -> HTML.

The page a cross-reference prints (`{.page}`) is the label of its target's printed page,
written into the placeholder made here: by layout/interior.py in print (laid out again
until the numbers stand still), by editions/epub.py in the EPUB, from the same layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

_SPAN_TAGS = {"sup": "sup", "sub": "sub"}


def span(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """`[words]{lang=ru}`, `{.sc}`, `{.sup}`, `{.sub}`, `{#name}`: the spans of the format."""
    token = tokens[idx]
    if token.nesting == -1:
        env["languages"].pop()
        return f"</{env['spans'].pop()}>"
    classes = str(token.attrGet("class") or "").split()
    tag = next((_SPAN_TAGS[c] for c in classes if c in _SPAN_TAGS), "span")
    env.setdefault("spans", []).append(tag)
    lang = token.attrGet("lang")
    env["languages"].append(env["languages"][-1].within(str(lang) if lang else None))
    attributes = ""
    if token.attrGet("id"):
        attributes += f' id="{escapeHtml(str(token.attrGet("id")))}"'
    if "sc" in classes:
        attributes += ' class="sc"'
    if lang:
        attributes += f' lang="{lang}" xml:lang="{lang}"'
    return f"<{tag}{attributes}>"


def link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
              ) -> str:
    """A cross-reference leads to its target's file and id in the EPUB, its id in print."""
    token = tokens[idx]  # shared by both editions' renderings: read, never changed
    href = str(token.attrGet("href"))
    page = "page" in str(token.attrGet("class") or "").split()
    env.setdefault("links", []).append(href[1:] if page else None)
    if href.startswith("#"):
        kind = ' class="xref-page"' if page else ""
        return f'<a href="{escapeHtml(env["href"](href[1:]))}"{kind}>'
    return str(renderer.renderToken(tokens, idx, options, env))


def link_close(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
               ) -> str:
    target = env["links"].pop() if env.get("links") else None
    if target is None:
        return "</a>"
    # The target's printed page: filled in by the layout (layout/interior.py), and in the
    # EPUB with the same label (editions/epub.py).
    return f' <span class="page-number" data-target="#{escapeHtml(target)}"></span></a>'



def paragraph(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any,
              html: str) -> str:
    """A stanza (`::: verse`): each line a span of its own, with its indent."""
    token = tokens[idx]
    indents = token.meta.get("indents") if token.type.startswith("paragraph") else None
    if token.nesting == 1 and indents is not None:
        env["stanza"] = list(indents)
        return html + f'<span class="line indent-{env["stanza"].pop(0)}">'
    if token.nesting == -1 and env.get("stanza") is not None:
        env["stanza"] = None
        return "</span>" + html
    return html


def softbreak(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
              ) -> str:
    """A line break of a stanza ends its line; elsewhere, a line break of the source."""
    if env.get("in_float"):
        return " "  # WeasyPrint 70 breaks a footnote's line at a new line of its HTML
    stanza = env.get("stanza")
    if stanza is not None:
        indent = stanza.pop(0) if stanza else 0
        return f'</span>\n<span class="line indent-{indent}">'
    return "\n"


def _own(token: Token) -> str:
    """The anchor and the language the author gave a block (`{#name}`, `{lang=de}`)."""
    out = ""
    if token.attrGet("id"):
        out += f' id="{escapeHtml(str(token.attrGet("id")))}"'
    if token.attrGet("lang"):
        out += f' lang="{token.attrGet("lang")}" xml:lang="{token.attrGet("lang")}"'
    return out


def table(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A table in a frame that scrolls (the EPUB: a table wider than the screen)."""
    if tokens[idx].nesting == 1:
        return f'<div class="table"{_own(tokens[idx])}>\n<table>\n'
    return "</table>\n</div>\n"


def header_cell(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
                ) -> str:
    tokens[idx].attrSet("scope", "col")
    return str(renderer.renderToken(tokens, idx, options, env))


def scene_break(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
                ) -> str:
    """`***`: a break between scenes, set as the book's ornament (base.css)."""
    id = escapeHtml(str(tokens[idx].attrGet("id") or ""))
    return f'<hr id="{id}" class="scene-break" />\n'


def container(name: str) -> Any:
    """A poem or an epigraph: a block of its own kind, its attribution inside it."""
    epub_type = {"epigraph": ' epub:type="epigraph" role="doc-epigraph"'}.get(name, "")

    def rule(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        if tokens[idx].nesting == 1:
            return f'<div class="{name}"{epub_type}{_own(tokens[idx])}>\n'
        return "</div>\n"
    return rule
