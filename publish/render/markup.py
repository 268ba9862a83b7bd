"""The parsed text (source/markup.py) and lines of metadata -> HTML fragments.

markdown-it-py's renderer, with two rules of ours: a `lang="zh-Hans"` span around every
run of Chinese (no library marks the language of a run), and the editor's notes
(`::: editorial`) as a notice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from types import MethodType
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from publish.source.markup import markdown

if TYPE_CHECKING:
    from publish.source.markup import Text

# Han ideographs, CJK symbols and punctuation, full-width forms.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A Chinese run takes in the digits, Latin letters and dashes set solid against it
# ("1964年", "（英）3050—938"), so that one line of Chinese is one run. In linear time:
# a run begins only where a solid stretch begins (the lookbehind), and no quantifier
# gives back what it took (possessive; the sets do not overlap), so each character is
# looked at a bounded number of times. `[S]*(?:[C]+[S]*)+`, the same runs written
# plainly, rescans a long stretch of Latin letters from each of its letters: quadratic.
_SOLID = "0-9A-Za-z\u2013\u2014-"
_CHINESE_RUN = re.compile(f"(?<![{_SOLID}])[{_SOLID}]*+[{_CJK}][{_CJK}{_SOLID}]*+")
ZH = "zh-Hans"


def chinese_span(match: re.Match[str]) -> str:
    return f'<span lang="{ZH}" xml:lang="{ZH}">{match[0]}</span>'


def _text(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return _CHINESE_RUN.sub(chinese_span, escapeHtml(tokens[idx].content))


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
    return str(renderer.renderToken(tokens, idx, options, env))


@lru_cache(maxsize=1)
def _renderer() -> RendererHTML:
    renderer = RendererHTML()
    renderer.rules["text"] = MethodType(_text, renderer)
    renderer.rules["ordered_list_open"] = MethodType(_ordered_list, renderer)
    for name in ("container_editorial_open", "container_editorial_close"):
        renderer.rules[name] = MethodType(_editorial, renderer)
    return renderer


def text_html(text: Text) -> str:
    """A part's parsed text as an HTML fragment."""
    return str(_renderer().render(list(text.tokens), markdown().options, {}))


def inline_html(line: str) -> str:
    """One line of metadata (a title, a heading line) as inline HTML."""
    return str(_renderer().render(markdown().parseInline(line), markdown().options, {}))
