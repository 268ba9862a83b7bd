"""Nothing lost, limits on every input (issue 14): what the SOURCE stage would silently
drop, hang on or exhaust the machine over is refused with the file and the line; text is
parsed and rendered in linear time (timed as ratios, never in absolute seconds); every
value reaches the style sheets and the records in a form they take.

The bad sources that fit tests/bad/cases.yaml's format are there; here are those that
need a FIFO, a socket, a file of megabytes, a timer or a look at the tokens."""

from __future__ import annotations

import gc
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import pikepdf
import pytest
import yaml
from markdown_it.rules_core.smartquotes import smartquotes as markdown_it_smartquotes
from markdown_it.token import Token

import publish.source.load
from publish.editions.package import Package
from publish.errors import SourceError
from publish.records.marc import MAX_FIELD, MAX_RECORD, Extent, build_record, contents_fields
from publish.render.markup import _CJK, _CJK_RUN, _SOLID, text_html
from publish.source import limits, metadata, model, quotes, values
from publish.source.limits import Budget
from publish.source.load import load_book
from publish.source.markup import markdown, parse_text
from publish.source.model import Book, Meta, Part, PartHeader, mm
from publish.stage import Job

from .conftest import PROJECT, ROOTS

MINIMAL = yaml.safe_load((ROOTS / "minimal" / "book.yaml").read_text(encoding="utf-8"))


def refused_measured(root: Path) -> tuple[SourceError, int]:
    """The error loading `root` stops with, and the peak of memory Python allocated."""
    tracemalloc.start()
    try:
        error = refused(root)
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(root: Path) -> SourceError:
    with pytest.raises(SourceError) as raised:
        load_book(root)
    return raised.value


def where(error: SourceError) -> str:
    return f"{error.location()}: {error.code}"


# --- Only regular files, read no further than their limit -----------------------------

LOAD = "from pathlib import Path; from publish.source.load import load_book; " \
       "from publish.errors import SourceError\n" \
       "try:\n    load_book(Path({root!r}))\nexcept SourceError as e:\n    print(e)"


def load_in_a_process(root: Path) -> str:
    """What loading the book prints, from a process that is stopped if it hangs."""
    run = subprocess.run([sys.executable, "-c", LOAD.format(root=str(root))], cwd=PROJECT,
                         capture_output=True, text=True, timeout=60, check=False)
    return run.stdout + run.stderr


def test_a_fifo_as_book_yaml_is_refused_at_once(minimal: Path) -> None:
    (minimal / "book.yaml").unlink()
    os.mkfifo(minimal / "book.yaml")
    said = load_in_a_process(minimal)
    assert "minimal/book.yaml: S-NOT-REGULAR: 'minimal/book.yaml' is a FIFO" in said, said


def test_a_fifo_as_a_text_file_is_refused_where_it_is_listed(minimal: Path) -> None:
    (minimal / "text" / "02-second.md").unlink()
    os.mkfifo(minimal / "text" / "02-second.md")
    said = load_in_a_process(minimal)
    assert "minimal/book.yaml:49: S-NOT-REGULAR: 'minimal/text/02-second.md' is a FIFO" in said


def test_a_socket_as_a_text_file_is_refused(minimal: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (minimal / "text" / "02-second.md").unlink()
    monkeypatch.chdir(minimal / "text")  # a socket's path is short: bind it by its name
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("02-second.md")
        assert where(refused(minimal)) == "minimal/book.yaml:49: S-NOT-REGULAR"


def test_a_device_through_a_link_is_outside_the_folder(minimal: Path) -> None:
    (minimal / "text" / "02-second.md").unlink()
    (minimal / "text" / "02-second.md").symlink_to("/dev/zero")
    assert where(refused(minimal)) == "minimal/book.yaml:49: S-OUTSIDE"


def test_a_huge_book_yaml_is_not_read_whole(minimal: Path) -> None:
    with open(minimal / "book.yaml", "r+b") as meta:  # sparse: 1 GB that takes no room
        meta.truncate(1 << 30)
    error, peak = refused_measured(minimal)
    assert where(error) == "minimal/book.yaml:56: S-TOO-LARGE", error  # the first NUL's line
    assert peak < 4 * limits.MAX_YAML_BYTES  # the limit and a byte, not the gigabyte


def test_a_text_file_past_its_limit(minimal: Path) -> None:
    text = minimal / "text" / "02-second.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nA line.\n" * 2_000_000)
    passed = text.read_bytes().count(b"\n", 0, limits.MAX_TEXT_BYTES) + 1
    error = refused(minimal)
    assert where(error) == f"minimal/text/02-second.md:{passed}: S-TOO-LARGE", error
    assert "8 MB" in error.message


def test_the_text_files_past_the_book_s_limit(minimal: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = (minimal / "text" / "01-first.md").stat().st_size
    monkeypatch.setattr(publish.source.load, "Budget", lambda: Budget(text_bytes=first + 120))
    error = refused(minimal)  # passed in the 7th line, past the second file's 120th byte
    assert where(error) == "minimal/text/02-second.md:7: S-TOO-LARGE", error
    assert "16 MB" in error.message


def test_lines_past_the_book_s_limit(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish.source.load, "Budget", lambda: Budget(lines=20))
    assert where(refused(minimal)) == "minimal/text/02-second.md:5: S-TOO-MANY"


def test_a_line_too_long(minimal: Path) -> None:
    text = minimal / "text" / "01-first.md"
    long = "word " * (limits.MAX_LINE // 5) + "x"
    text.write_text(text.read_text(encoding="utf-8") + f"\n{long}\n", encoding="utf-8")
    assert where(refused(minimal)) == "minimal/text/01-first.md:17: S-TOO-LONG"


def test_too_many_parts(minimal: Path) -> None:
    meta = dict(MINIMAL, text=[f"text/{n}.md" for n in range(limits.MAX_PARTS + 1)])
    (minimal / "book.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    error = refused(minimal)
    assert error.code == "S-TOO-MANY" and error.line is not None
    listed = (minimal / "book.yaml").read_text().split("\n")[error.line - 1]
    assert listed.strip() == f"- text/{limits.MAX_PARTS}.md"


def test_too_many_blocks_are_refused_before_they_fill_the_memory(
        minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """100,000 paragraphs took 2 GB to build; a book of more blocks than its limit stops
    where the limit is passed (with the real limit, 50,000: 2 s and 90 MB)."""
    monkeypatch.setattr(publish.source.load, "Budget", lambda: Budget(blocks=2_000))
    text = minimal / "text" / "02-second.md"
    head = text.read_text(encoding="utf-8").split(":::")[0]
    text.write_text(head + "".join(f"Paragraph {n}.\n\n" for n in range(50_000)))
    error, peak = refused_measured(minimal)
    # The first letter's two paragraphs are 2 of the 2,000.
    assert where(error) == f"minimal/text/02-second.md:{11 + 2 * 1_998}: S-TOO-MANY", error
    # The file, markdown-it's tables of its 100,000 lines (18 MB: some 180 bytes a line,
    # which MAX_LINES bounds) and 2,000 paragraphs' tokens; not 50,000 paragraphs' 100 MB.
    assert peak < 35 * 2**20, peak


@pytest.mark.parametrize(("text", "line"), [
    ("word " * 20_001, 1),
    ("Short.\n\n```\n" + "code line\n" * 10_001 + "```", 3),
    ("Short.\n\n" + "x" * 1_001, 3),
    ("Short.\n\n" + "x" * 500 + "\u00a0" + "x" * 501, 3),  # a no-break space does not break
    ("Short.\n\n" + "a" * 600 + "*" + "b" * 600 + "*", 3),  # nor does markup
    ("One\ntwo\n" + "x" * 1_001 + " end", 3),
    ("```\nshort\n" + "x" * 1_001 + "\n```", 3),
    ("<https://example.org/" + "x" * 1_001 + ">", 1),  # a link shown as its address
])
def test_a_block_or_a_run_too_long(text: str, line: int) -> None:
    with pytest.raises(SourceError) as raised:
        parse_text(text, "t.md", 1, "p", Budget())
    assert (raised.value.code, raised.value.line) == ("S-TOO-LONG", line)


@pytest.mark.parametrize("text", [
    "中" * 5_000,  # Chinese breaks between its characters
    "x" * 1_000 + " " + "y" * 1_000,
    "-".join(["x" * 900] * 5),  # a hyphen, a dash or a slash is a break
    "[a link](https://example.org/" + "x" * 5_000 + ")",  # its address is not drawn
    "word " * 19_999,
])
def test_what_a_line_can_hold_is_accepted(text: str) -> None:
    parse_text(text, "t.md", 1, "p", Budget())


# --- Nesting, `:::` and references: nothing silently lost ------------------------------

def nested_lists(depth: int) -> str:
    return "\n".join("  " * level + f"- level{level}" for level in range(depth)) + \
        "\n\n## After\n\nThe end."


def test_lists_and_quotations_to_the_limit_lose_nothing() -> None:
    for text in (nested_lists(limits.MAX_NESTING), ">" * limits.MAX_NESTING + " deep\n\nend",
                 "> - " * (limits.MAX_NESTING // 2) + "deep\n\nend"):
        kept = words_kept(parse_text(text, "t.md", 1, "p").tokens)
        assert kept >= Counter(words(text)), text


@pytest.mark.parametrize(("text", "line"), [
    (nested_lists(limits.MAX_NESTING + 1), 1 + limits.MAX_NESTING),
    ("x\n\n" + ">" * 10_000 + " deep", 3),  # no RecursionError: refused at level 11
    ("- " * 10_000 + "deep", 1),
    ("::: editorial\n" + "> " * 10 + "deep\n:::", 2),  # the note is a level too
])
def test_nesting_too_deep(text: str, line: int) -> None:
    with pytest.raises(SourceError) as raised:
        parse_text(text, "t.md", 1, "p")
    assert (raised.value.code, raised.value.line) == ("S-NESTING", line)


@pytest.mark.parametrize("text", [
    "```\n:::\n::: warning\n```",
    "    ::: warning\n    :::",
    "- item\n\n  ::: editorial\n  A note.\n  :::\n\nAfter.",
    ":::: editorial\nA note.\n::::",
    "\\::: warning",
])
def test_a_fence_that_is_code_or_a_closed_note_is_accepted(text: str) -> None:
    parse_text(text, "t.md", 1, "p")


@pytest.mark.parametrize("text", ["a" + "*" * 1_000 + "word" + "*" * 1_000 + "b",
                                  "*a " * 300 + "x" + " a*" * 300])
def test_emphasis_nested_past_the_limit_is_refused(text: str) -> None:
    """markdown-it pairs emphasis after its own nesting limit: a thousand stars nest five
    hundred elements, past what lxml takes (256) and Python's recursion."""
    with pytest.raises(SourceError) as refused:
        parse_text(text, "t.md", 1, "p")
    assert refused.value.code == "S-NESTING"


PATHOLOGICAL = [
    "[" * 1_000 + "word" + "]" * 1_000,
    "*" * 30 + "word" + "*" * 30,
    "[" * 30 + "word" + "](https://example.org/x)" * 30,
    "_a " * 500 + "word",
    "``word` word ```more``",
    "<word <https://example.org/word> <not a link",
    "[word][r] and [other]\n\n[r]: https://example.org/ref",
    "word  \nhard\\\nbreaks\r\nand CRLF",
    "Setext\n---\n\ntext\n***\nafter rule",
    "| word | table |\n| --- | --- |\n| cell | cell |",
    "<div>html word</div>\n\n<!-- comment word -->",
    "nul\x00char and \u2028 separator",
    "1) one\n2) two\n\n\n   lazy continuation\n- switch",
    "> quote\nlazy line\n>\n> - item\n>   > inner\n\nafter",
    "    code word\n\n\n    more code\n\nafter",
    "::: editorial\nnote *word*\n\n- item\n:::\n\nafter",
    "'quote' \"double\" it's 1\"\" 5'10\" ''' \"\"\"",
    "\\*escaped\\* \\[word\\] &amp; &copy; &#x4E2D;",
    "\t- tab item\n\t\t- tabbed inner",
    "## Heading ##\n\n### Sub #\n\nend",
    "[[nested](https://example.org/a)](https://example.org/b)",
    "***strong em*** **bold *in* bold** *a **b** c*",
]


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


def words_kept(tokens: tuple[Token, ...]) -> Counter[str]:
    """The words of the tokens: drawn text, code, link addresses, a note's name."""
    kept: list[str] = []
    for block in tokens:
        kept += words(block.content if block.type in ("code_block", "fence") else "")
        kept += words(block.info if block.type.startswith("container") else "")
        for child in block.children or ():
            if child.type in ("text", "code_inline"):
                kept += words(child.content)
            if child.type == "link_open":
                kept += words(str(child.attrGet("href")))
    return Counter(kept)


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_no_word_of_a_pathological_text_is_lost(text: str) -> None:
    source = re.sub(r"&#?[a-zA-Z0-9]+;", " ", text)  # an entity is the character it names
    # Markup, not text: a reference's label, an ordered list's numbers.
    source = re.sub(r"\]\[[^\]]*\]|^\[[^\]]*\]:|^ *[0-9]+[.)]", " ", source, flags=re.M)
    kept = words_kept(parse_text(text, "t.md", 1, "p").tokens)
    assert not Counter(words(source)) - kept, (text, kept)


# --- The same output as markdown-it's own rules and the old regex, in linear time -------

def test_the_linear_smartquotes_decide_as_markdown_it_does() -> None:
    md = markdown()
    pieces = ["'", "'", '"', '"', "a", "ab", " ", "1", "*", "_", "[", "](https://x.org)",
              "`", "\n", "-", ".", "(", ")", "**", "中", "\u2019", "\u00a0", "\\", "?"]
    draw = random.Random(14)
    for _ in range(1_500):
        text = "".join(draw.choice(pieces) for _ in range(draw.randint(1, 25)))
        outcomes: list[object] = []
        for rule in (markdown_it_smartquotes, quotes.smartquotes):
            md.core.ruler.at("smartquotes", rule)
            try:
                tokens = md.parse(text, {})
                outcomes.append([(t.content, [c.content for c in t.children or ()])
                                 for t in tokens])
            except Exception as error:  # an image: refused by both alike
                outcomes.append([repr(error)])
            finally:
                md.core.ruler.at("smartquotes", quotes.smartquotes)
        assert outcomes[0] == outcomes[1], text


def test_the_cjk_run_is_the_plain_pattern_s() -> None:
    """The runs of Han, kana and Hangul (with what is set solid against them) that the
    linear pattern finds are those of the pattern written plainly (quadratic)."""
    old = re.compile(f"[{_SOLID}]*(?:[{_CJK}]+[{_SOLID}]*)+")
    alphabet = "a1-\u2014\u2013中。 &;（xかカ한"
    draw = random.Random(64)
    for _ in range(20_000):
        text = "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 16)))
        assert [m.span() for m in old.finditer(text)] == \
            [m.span() for m in _CJK_RUN.finditer(text)], text


def best_time(work: Callable[[], object], repeat: int) -> float:
    """The best of `repeat` runs, without the garbage collector (as timeit measures): its
    full collections come more often as more objects live, which made ten times the
    paragraphs cost 31 times as long once, on a loaded machine."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def scaling(small: Callable[[], object], large: Callable[[], object], rounds: int = 5
            ) -> float:
    """How many times as long `large` takes as `small`: each timed in turn, `rounds` times,
    the best of each, so that a machine busy for a while slows both alike (a loaded
    clean-clone run saw a ratio of 41 from runs timed one after the other)."""
    best_small = best_large = float("inf")
    for _ in range(rounds):
        best_small = min(best_small, best_time(small, 1))
        best_large = min(best_large, best_time(large, 1))
    return best_large / best_small


def render(text: str) -> None:
    text_html(parse_text(text, "t.md", 1, "p"), "en", "zh-Hans")


def plain_pass(text: str) -> None:
    """A plain read of the text: each line split into words, each character looked at."""
    for line in text.split("\n"):
        line.split()
    sum(1 for _ in text)


# (make the text of n units, n): each grows tenfold. A linear pass takes some 10 times
# longer; a quadratic one (the old Chinese run took 6 s for 20,000 letters) 100 times.
SCALING: dict[str, tuple[Callable[[int], str], int]] = {
    "an unbroken run of letters (100 KB, 1 MB)": (lambda n: "a" * n, 100_000),
    "paragraphs (500, 5,000)": (lambda n: "A short paragraph.\n\n" * n, 500),
    "apostrophes in a paragraph": (lambda n: "'a" * n, 5_000),
    "double quotes in a paragraph": (lambda n: '"a' * n, 5_000),
    "emphasis markers": (lambda n: "*a_ " * n, 1_000),
    "link openers": (lambda n: "[a " * n, 1_000),
    "lines of one paragraph": (lambda n: "a\n" * n, 1_500),
    "Chinese and Latin set solid": (lambda n: "中a1" * n, 30_000),
}


@pytest.mark.parametrize("case", list(SCALING), ids=list(SCALING))
def test_text_is_parsed_and_rendered_in_linear_time(case: str) -> None:
    make, n = SCALING[case]
    small, large = make(n), make(10 * n)
    render(small)  # the parser's first use builds its rules
    ratio = scaling(lambda: render(small), lambda: render(large))
    assert ratio < 30, f"{case}: ten times the text took {ratio:.0f} times as long"


def test_a_megabyte_run_costs_a_few_plain_passes() -> None:
    """Against a plain read of the same text, the machine's speed cancels out (here: 3
    plain passes for the run, 35 for the paragraphs, each of which is some tokens)."""
    for text, most in (("a" * 1_000_000, 100), ("A short paragraph.\n\n" * 3_000, 500)):
        ratio = best_time(partial(render, text), 2) / best_time(partial(plain_pass, text), 3)
        assert ratio < most, f"{len(text):,} characters: {ratio:.0f} plain passes"


def test_the_characters_of_yaml_are_found_in_linear_time() -> None:
    from publish.source.yamlfile import characters

    def items(n: int) -> str:
        return "a:\n" + "".join(f"  - item {i}\n" for i in range(n))

    small, large = items(1_000), items(10_000)
    ratio = scaling(lambda: list(characters(small, 1)), lambda: list(characters(large, 1)))
    assert ratio < 30, ratio


# --- Values as a user means them -------------------------------------------------------

@pytest.mark.parametrize(("written", "kept"), [
    ("18mm", "18mm"), ("18 mm", "18mm"), ("0.5in", "0.5in"), ("0.5 in", "0.5in"),
    (" 4.25\tIN ", "4.25in"), ("12pt", "12pt"), ("1.8 cm", "1.8cm"),
])
def test_a_length_is_kept_in_the_form_css_reads(written: str, kept: str) -> None:
    assert model._length(written) == kept
    margins = model.Margins.model_validate(
        {"top": written if 13 <= mm(kept) <= 60 else "15 mm", "bottom": "15 mm",
         "inside": "0.75 In", "outside": "15mm"})
    assert (margins.bottom, margins.inside) == ("15mm", "0.75in")


@pytest.mark.parametrize("written", ["１８mm", "١٨mm", "18", "18 inches", "4,25in", ".5in",
                                     "18m m", "1e2mm", 18])
def test_a_length_not_written_as_one_is_refused(written: object) -> None:
    with pytest.raises(ValueError, match=re.escape("write a number and a unit: 18mm, 0.5in")):
        model._length(written)


@pytest.mark.parametrize(("identifier", "good"), [
    ("urn:uuid:6f1c2b1e-2a54-4d2c-9a35-0b7c1f9d0e11", True),
    ("urn:uuid:6F1C2B1E-2A54-4D2C-9A35-0B7C1F9D0E11", True),
    ("urn:uuid:{6f1c2b1e-2a54-4d2c-9a35-0b7c1f9d0e11}", False),
    ("urn:uuid:6f1c2b1e2a544d2c9a350b7c1f9d0e11", False), ("urn:uuid:x", False),
    ("urn:doi:10.1000/182", False),
    ("urn:isbn:9780306406157", False),  # an ISBN goes under `isbn`, the edition's own
])
def test_identifiers_are_checked(identifier: str, good: bool) -> None:
    meta = {**MINIMAL, "identifier": identifier}
    if good:
        Meta.model_validate(meta)
    else:
        with pytest.raises(ValueError):
            Meta.model_validate(meta)


@pytest.mark.parametrize(("isbn", "kept"), [
    ("978-0-306-40615-7", "9780306406157"), ("9780306406157", "9780306406157"),
    (9780306406157, "9780306406157"),  # as YAML reads it unquoted
    ("978 0 306 40615 7", "9780306406157"), (" 979-10-90636-07-1 ", "9791090636071"),
    ("978-0-306-40615-8", None),  # the check digit is 7
    ("979-0-306-40615-7", None),  # 979's check digit for these digits is 6
    ("0-306-40615-2", None), ("0-8044-2957-X", None),  # ISBN-10s: write the ISBN-13
    ("977-0-306-40615-7", None), ("12345", None), ("978030640615X", None), ("", None),
])
def test_isbns_are_checked(isbn: object, kept: str | None) -> None:
    if kept:
        assert metadata.Isbns.model_validate({"print": isbn}).print == kept
    else:
        with pytest.raises(ValueError):
            metadata.Isbns.model_validate({"print": isbn})


def test_the_editions_isbns_differ() -> None:
    with pytest.raises(ValueError, match="the EPUB and the print edition have the same ISBN"):
        metadata.Isbns.model_validate({"epub": "9780306406157", "print": "978-0-306-40615-7"})


def test_a_trim_in_inches_with_a_space_builds_to_its_size(minimal: Path,
                                                         tmp_path: Path) -> None:
    """`4.25 in` reached the CSS as it was written, which is no length: WeasyPrint made
    A4 pages and the preflight blamed the style sheets (O-PREFLIGHT)."""
    from publish.build.pipeline import build

    meta = minimal / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        "trim_width: 4.25in", "trim_width: 4.25 in").replace("top: 15mm", "top: 15 MM"),
        encoding="utf-8")
    build(minimal, tmp_path / "dist", ["pdf"], cache=False)
    with pikepdf.open(tmp_path / "dist" / "minimal.pdf") as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj["/TrimBox"])
            assert (round(x1 - x0, 2), round(y1 - y0, 2)) == (306.0, 494.64)


# --- Catalogue records: no value can make a field or a record too long -----------------

WIDE = "\U00020000"  # a Han character of plane 2: four bytes in UTF-8


# Twenty language tags (an alternate form each, values.MAX_ITEMS forms in all), the book's
# own first.
TAGS = ["en", "zh-Hans", "zh-Hant", "ja", "ko", "ru", "de", "fr", "la", "el", "es", "it", "pt",
        "nl", "sv", "pl", "cs", "hu", "fi", "da"]
ROLES = ["aut", "edt", "trl", "ill", "aui"]  # five roles, as many as a contributor may have


def widest_book(parts: int, forms: int = values.MAX_ITEMS) -> Book:
    """The minimal book with every value at its longest, in four-byte characters: every
    text in `forms` forms (itself and its alternates; at most values.MAX_ITEMS), every
    list at its longest (contributors, subjects, keywords, prices, the original's numbers),
    every key of the format given."""
    def text(most: int) -> str:
        return WIDE * most

    def alternates(most: int) -> dict[str, str]:  # a text and its alternates
        return {tag: text(most) for tag in TAGS[:forms]}

    most = values.MAX_ITEMS
    meta: dict[str, Any] = yaml.safe_load(yaml.safe_dump(MINIMAL))
    meta.update(
        title=alternates(values.MAX_TITLE), subtitle=alternates(values.MAX_TITLE),
        short_title=text(values.MAX_TITLE), publisher=alternates(values.MAX_NAME),
        place=alternates(values.MAX_NAME), edition=alternates(values.MAX_NAME), date="2026-03-15",
        isbn={"epub": "9780306406157", "print": "9791090636071"},
        series={"name": alternates(values.MAX_TITLE), "number": 9999, "issn": "0317-8471"},
        rights=text(values.MAX_PROSE), description=text(values.MAX_PROSE),
        subjects={"bisac": ["FIC019000"] * most, "thema": ["FBA"] * most,
                  "lcsh": [text(values.MAX_NAME)] * (most - 3) + [
                      {"place": text(values.MAX_NAME)}, {"body": text(values.MAX_NAME)},
                      {"person": text(values.MAX_NAME)}]},
        keywords=[text(values.MAX_NAME)] * most, audience="higher-education",
        prices=[{"edition": "print" if n % 2 else "epub", "amount": "99999.99",
                 "currency": "USD", "territory": " ".join(["US"] * 60)} for n in range(most)],
        contributors=[{"name": alternates(values.MAX_NAME),
                       "kind": "person" if n % 2 else "organisation", "role": ROLES,
                       "sort": text(90) + ". " + text(values.MAX_NAME - 92),
                       "dates": text(values.MAX_NAME)} for n in range(most)])
    meta["original"].update(
        title=alternates(values.MAX_TITLE), language="zh-Hant",
        publisher=alternates(values.MAX_NAME), place=alternates(values.MAX_NAME),
        edition=alternates(values.MAX_NAME),
        numbers=[text(values.MAX_NAME)] * most)
    line = text(model.MAX_PAGE_CHARS // model.MAX_PAGE_LINES)
    for page in ("cover", "title_page", "imprint"):
        meta[page] = [{"lines": [line] * 10, "lang": "zh-Hant"}] * (model.MAX_PAGE_LINES // 10)
    header = PartHeader(id="p", kind="preface", title=text(values.MAX_TITLE),
                        short_title=text(values.MAX_TITLE))
    body = parse_text("x", "t.md", 1, "p")
    lines = {"description": 30, "title": 3}  # as the loader would give them
    return Book(meta=Meta.model_validate(meta), root="/tmp/widest", key_lines=lines, parts=[
        Part(header=header, body="x", body_line=1, source="t.md", number=n, text=body,
             matter="front") for n in range(parts)])


@pytest.mark.parametrize("forms", [1, 2, values.MAX_ITEMS],
                         ids=["no alternate", "one alternate", "all alternates"])
@pytest.mark.parametrize("parts", [1, 30, limits.MAX_PARTS])
def test_the_widest_book_makes_records_of_iso_2709_s_sizes_or_is_refused(parts: int,
                                                                        forms: int) -> None:
    """Every value at its limit at once is more than a MARC record holds (99,999 bytes):
    such a book is refused at a line of book.yaml with what to shorten, never written as a
    record that ISO 2709 cannot hold, never a traceback."""
    job = Job(book=widest_book(parts, forms), faces=[], epoch=0)
    package = Package(version="3.3", summary="A summary.")
    for kind in ("print", "epub"):
        try:
            record = build_record(job, cast(Any, kind), Extent(("iv", "21"), 4, 21, 26),
                                  package)
        except SourceError as refused:
            assert refused.code == "S-BAD-VALUE"
            assert refused.path == "widest/book.yaml" and refused.line, refused
            assert "MARC record" in refused.message and refused.fix
            continue
        assert len(record.as_marc()) <= MAX_RECORD
        assert all(len(f.as_marc(encoding="utf-8")) <= MAX_FIELD for f in record.fields)


@pytest.mark.parametrize("parts", [1, 30, limits.MAX_PARTS])
def test_the_contents_note_is_cut_to_the_record(parts: int) -> None:
    """The parts' titles at their longest: as many as fit in 505 fields, each at most
    9,999 bytes, the record at most 99,999; a cut note says it is incomplete (1_)."""
    book = load_book(ROOTS / "minimal")
    header = PartHeader(id="p", kind="chapter", title=WIDE * values.MAX_TITLE)
    body = parse_text("x", "t.md", 1, "p")
    book = book.model_copy(update={"parts": [
        Part(header=header, body="x", body_line=1, source="t.md", number=n, text=body)
        for n in range(parts)]})
    job = Job(book=book, faces=[], epoch=0)
    package = Package(version="3.3", summary="A summary.")
    for kind in ("print", "epub"):
        record = build_record(job, cast(Any, kind), Extent(("iv", "21"), 4, 21, 26), package)
        assert len(record.as_marc()) <= MAX_RECORD
        assert all(len(f.as_marc(encoding="utf-8")) <= MAX_FIELD for f in record.fields)
        notes = [f for f in record.fields if f.tag == "505"]
        # One title fits with the rest; a thousand do not, and the note says it is cut.
        assert notes[0].indicator1 == {1: "0", 30: notes[0].indicator1, 1_000: "1"}[parts]
        assert all(f.indicator1 == "8" for f in notes[1:])


def test_contents_of_one_field_are_as_before() -> None:
    (field,) = contents_fields(["One", "Two"])
    assert (field.indicators, field["a"]) == (("0", " "), "One -- Two.")


def test_a_book_of_the_limits_sizes_loads(minimal: Path) -> None:
    """The limits leave room: the minimal book with its text near each of them loads."""
    text = minimal / "text" / "01-first.md"
    paragraph = ("word " * 19_000).strip()
    text.write_text(text.read_text(encoding="utf-8") + "\n" + paragraph + "\n\n" +
                    "x" * limits.MAX_UNBROKEN + "\n\n" + nested_lists(limits.MAX_NESTING)
                    + "\n", encoding="utf-8")
    book = load_book(minimal)
    assert len(book.parts) == 2
    shutil.rmtree(minimal)
