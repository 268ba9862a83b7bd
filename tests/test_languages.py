"""Languages in the text (issue 15): a span or a block of another language is tagged as the
author wrote it, and runs of Han, kana and Hangul that no span tags get their language from
the book's settings by their Unicode script, in the HTML both editions share."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from publish.errors import SourceError
from publish.render.markup import Languages, inline_html, text_html
from publish.source.markup import parse_text


def rendered(markdown: str, book: str = "en", han: str = "zh-Hans") -> lxml_html.HtmlElement:
    text = parse_text(markdown, "t.md", 1, "p", None)
    return lxml_html.fragment_fromstring(text_html(text, book, han), create_parent="div")


def tagged(root: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """(lang, the element's text) of every element that names a language."""
    return [(str(e.get("lang")), e.text_content()) for e in root.iter() if e.get("lang")]


@pytest.mark.parametrize(("source", "book", "han", "expected"), [
    ("The word 和平 means peace.", "en", "zh-Hans", [("zh-Hans", "和平")]),
    ("The word 和平 means peace.", "en", "zh-Hant", [("zh-Hant", "和平")]),
    ("The word 和平 means peace.", "en", "ja", [("ja", "和平")]),
    ("かな and 漢字かな", "en", "zh-Hans", [("ja", "かな"), ("ja", "漢字かな")]),
    ("한국어 text", "en", "zh-Hans", [("ko", "한국어")]),
    ("1964年 was the year.", "en", "zh-Hans", [("zh-Hans", "1964年")]),
    # Han in a Chinese or Japanese book is that book's language: no span
    ("中文的书", "zh-Hant", "zh-Hant", []),
    ("日本語の本", "ja", "ja", []),
    # kana in a Chinese book is still Japanese
    ("中文 かな", "zh-Hans", "zh-Hans", [("ja", "かな")]),
])
def test_runs_are_tagged_by_their_script(source: str, book: str, han: str,
                                         expected: list[tuple[str, str]]) -> None:
    assert tagged(rendered(source, book, han)) == expected


def test_a_span_names_its_language_and_its_han_is_not_retagged() -> None:
    root = rendered("Peace is [мир]{lang=ru} and [平和]{lang=ja}, not [la paix]{lang=fr}.")
    assert tagged(root) == [("ru", "мир"), ("ja", "平和"), ("fr", "la paix")]
    assert all(e.get("xml:lang") == e.get("lang") for e in root.iter() if e.get("lang"))


def test_a_block_names_its_language() -> None:
    root = rendered("An English line.\n\n{lang=de}\nEin deutscher Absatz.\n")
    assert tagged(root) == [("de", "Ein deutscher Absatz.")]
    assert root.xpath("//p[@lang='de']")[0].get("xml:lang") == "de"


def test_a_tag_is_kept_in_its_standard_form() -> None:
    assert tagged(rendered("[colour]{lang=en_GB}")) == [("en-GB", "colour")]


@pytest.mark.parametrize(("source", "code"), [
    ("[word]{lang=xx-not-a-tag}", "S-LANGUAGE"),
    ("[word]{.red}", "S-ATTRIBUTE"),
    ("[word]{lang=de style=color:red}", "S-ATTRIBUTE"),
    ("{.red}\nA paragraph.", "S-ATTRIBUTE"),
    ("*emphasis*{lang=de}", None),  # attributes only after a span: this is text
])
def test_only_a_language_is_taken(source: str, code: str | None) -> None:
    if code is None:
        assert "{lang=de}" in rendered(source).text_content()
        return
    with pytest.raises(SourceError) as raised:
        parse_text(source, "t.md", 1, "p", None)
    assert raised.value.code == code
    assert raised.value.line == 1


def test_metadata_lines_are_tagged_in_the_language_where_they_stand() -> None:
    english = Languages("en", "zh-Hans")
    assert 'lang="zh-Hans"' in inline_html("外文出版社", english)
    assert "lang=" not in inline_html("外文出版社", english.within("zh-Hans"))
    assert 'lang="ja"' in inline_html("ひらがな", english.within("zh-Hans"))
