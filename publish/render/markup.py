"""The parsed text (source/markup.py) and lines of metadata -> HTML fragments.

markdown-it-py's renderer, with rules of ours: a span with its `lang` around every run of
Han, kana or Hangul whose language is not the text's around it (no library marks the
language of a run by its script), spans and blocks of another language as the author
marked them (`[мир]{lang=ru}`, `{lang=de}` before a paragraph: mdit-py-plugins' attrs),
and the editor's notes (`::: editorial`) as a notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MethodType
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from publish.render import blocks, figures, notes
from publish.source.markup import markdown

if TYPE_CHECKING:
    from publish.source.figures import Figure
    from publish.source.markup import Text

# The scripts whose language the book's settings give where no span names one (Han:
# Chinese, Japanese or Korean; kana Japanese; Hangul Korean), by Unicode block, with the
# CJK symbols, punctuation and full-width forms that go with them.
_HAN = "\u2e80-\u2fdf\u3000-\u303f\u3190-\u319f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_KANA = "\u3040-\u30ff\u31f0-\u31ff"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
_CJK = _HAN + _KANA + _HANGUL
_IS_KANA = re.compile(f"[{_KANA}]")
_IS_HANGUL = re.compile(f"[{_HANGUL}]")
# A run takes in the digits, Latin letters and dashes set solid against it ("1964年",
# "（英）3050—938"), so that one line of Chinese is one run. In linear time: a run begins
# only where a solid stretch begins (the lookbehind), and no quantifier gives back what
# it took (possessive; the sets do not overlap), so each character is looked at a
# bounded number of times. `[S]*(?:[C]+[S]*)+`, the same runs written plainly, rescans a
# long stretch of Latin letters from each of its letters: quadratic.
_SOLID = "0-9A-Za-z\u2013\u2014-"
_CJK_RUN = re.compile(f"(?<![{_SOLID}])[{_SOLID}]*+[{_CJK}][{_CJK}{_SOLID}]*+")


@dataclass(frozen=True)
class Languages:
    """What the text around a run is in, and what untagged Han characters are."""

    current: str  # the book's language, or the span's or part's around the run
    han: str  # zh-Hans, zh-Hant, ja or ko (book.yaml's `scripts`, or from its language)

    def within(self, tag: str | None) -> Languages:
        return Languages(tag, self.han) if tag else self


def _base(tag: str) -> str:
    return tag.split("-")[0]


def run_language(run: str, languages: Languages) -> str | None:
    """The tag a run of CJK text needs, or None when the text around it is already in it."""
    if _IS_KANA.search(run):
        tag = "ja"
    elif _IS_HANGUL.search(run):
        tag = "ko"
    elif _base(languages.current) in ("zh", "ja", "ko"):
        return None  # Han in a Chinese, Japanese or Korean text is of that language
    else:
        tag = languages.han
    return None if _base(tag) == _base(languages.current) else tag


def tag_runs(text: str, languages: Languages) -> str:
    """Escaped `text`, each run of a CJK script in a span of its language."""
    def span(match: re.Match[str]) -> str:
        tag = run_language(match[0], languages)
        return f'<span lang="{tag}" xml:lang="{tag}">{match[0]}</span>' if tag else match[0]
    return _CJK_RUN.sub(span, escapeHtml(text))


def _text(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return tag_runs(tokens[idx].content, env["languages"][-1])


def _block_language(renderer: Any, tokens: Sequence[Token], idx: int, options: Any,
                    env: Any) -> str:
    """A block with a language of its own (`{lang=de}` on the line before it)."""
    token = tokens[idx]
    tag = token.attrGet("lang")
    if token.nesting == 1:
        env["languages"].append(env["languages"][-1].within(str(tag) if tag else None))
        if tag:
            token.attrSet("xml:lang", str(tag))
    elif token.nesting == -1:
        env["languages"].pop()
    if token.type.startswith("paragraph") and env.get("in_float"):
        return notes.note_paragraph(env, "", token.nesting == 1)
    if "figure" in token.meta:
        return figures.figure(renderer, tokens, idx, options, env)
    html = str(renderer.renderToken(tokens, idx, options, env))
    return blocks.paragraph(renderer, tokens, idx, options, env, html)


def _editorial(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].nesting == 1:
        return '<div class="editorial" epub:type="notice" role="doc-notice">\n'
    return "</div>\n"


def _ordered_list(renderer: Any, tokens: Sequence[Token], idx: int, options: Any,
                  env: Any) -> str:
    """`<ol start="3">` numbers from 3 in a reading system, but WeasyPrint ignores `start`:
    the list-item counter is set for it too, so both editions print the author's numbers."""
    start = tokens[idx].attrGet("start")
    if start is not None:
        tokens[idx].attrSet("style", f"counter-reset: list-item {int(start) - 1}")
    return _block_language(renderer, tokens, idx, options, env)


@lru_cache(maxsize=1)
def _renderer() -> RendererHTML:
    renderer = RendererHTML()
    renderer.rules["text"] = MethodType(_text, renderer)
    renderer.rules["span_open"] = renderer.rules["span_close"] = MethodType(blocks.span,
                                                                             renderer)
    for name, rule in (("link_open", blocks.link_open), ("link_close", blocks.link_close),
                       ("softbreak", blocks.softbreak), ("table_open", blocks.table),
                       ("table_close", blocks.table), ("th_open", blocks.header_cell),
                       ("hr", blocks.scene_break), ("footnote_ref", notes.footnote_ref),
                       ("image", figures.image)):
        renderer.rules[name] = MethodType(rule, renderer)
    for container in ("verse", "epigraph"):
        for end in ("_open", "_close"):
            renderer.rules[f"container_{container}{end}"] = MethodType(
                blocks.container(container), renderer)
    for name in ("paragraph", "blockquote", "bullet_list", "ordered_list", "list_item",
                 "heading"):
        for end in ("_open", "_close"):
            if f"{name}{end}" != "ordered_list_open":
                renderer.rules[f"{name}{end}"] = MethodType(_block_language, renderer)
    renderer.rules["ordered_list_open"] = MethodType(_ordered_list, renderer)
    for name in ("container_editorial_open", "container_editorial_close"):
        renderer.rules[name] = MethodType(_editorial, renderer)
    return renderer


def text_html(text: Text, language: str, han: str, part_language: str | None = None, *,
              part: str = "", edition: str = "epub", href: Callable[[str], str] | None = None,
              note_offset: int = 0, notes_place: str = "foot",
              figures: Sequence[Figure] = ()) -> str:
    """A part's parsed text as an HTML fragment; `language`: the book's, `han`: what
    untagged Han characters are, `part_language`: the part's own, if it has one. `part`
    (its id), `edition` and `href` (where an id of the book is, from this part) place its
    notes and cross-references; `note_offset` and
    `notes_place` are book.yaml's `notes` (render/notes.py); `figures`: the part's
    (render/figures.py)."""
    env: dict[str, Any] = {
        "languages": [Languages(part_language or language, han)], "part": part,
        "href": href or (lambda id: f"#{id}"),
        "note_offset": note_offset, "place": notes_place,
        "floats": edition == "print" and notes_place == "foot", "note_html": {},
        "edition": edition, "figures": figures, "figure_at": 0,
        "english": _base(language) == "en",
        "inline": lambda line: _inline_in(line, env)}
    main, note_tokens = notes.split(text.tokens)
    renderer, options = _renderer(), markdown().options
    for note, tokens in note_tokens.items():
        env["in_float"] = env["floats"]
        env["note_html"][note] = str(renderer.render(tokens, options, env)).strip()
    env["in_float"] = False
    html = str(renderer.render(main, options, env))
    return html + notes.notes_after(env, note_tokens, {})


def _inline_in(line: str, env: dict[str, Any]) -> str:
    """A line of Markdown (a figure's caption) as inline HTML, where `env` renders."""
    return str(_renderer().render(markdown().parseInline(line), markdown().options, env))


def inline_html(line: str, languages: Languages) -> str:
    """One line of metadata (a title, a heading line) as inline HTML."""
    env = {"languages": [languages]}
    return str(_renderer().render(markdown().parseInline(line), markdown().options, env))
