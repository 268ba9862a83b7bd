"""The limits on what a source may hold, and the reading of its files within them.

A build server builds sources it did not write, so every input has a bound, and reaching
one is an error naming the file and the line, never a hang, a machine out of memory, or
text silently lost. The values are far above any real book's (README: Limits): the
longest novels are a few MB of text and some ten thousand paragraphs.

Only regular files are read (a FIFO would hang the build, a device never end), and at
most one byte more than the limit of the file: a file too large is refused before it is
read whole.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

from publish.errors import SourceError

MB = 1 << 20
MAX_YAML_BYTES = 1 * MB  # book.yaml, fonts.yaml: a few KB in a real book
MAX_TEXT_BYTES = 8 * MB  # one text file: a 1,000-page novel is about 2 MB
MAX_BOOK_BYTES = 16 * MB  # the text files together: Proust's whole Recherche is 7.5 MB
MAX_LINE = 100_000  # characters on one line of any file (a paragraph on one line)
MAX_LINES = 1_000_000  # lines of the text files together
MAX_PARTS = 1_000  # text files in `text`
MAX_BLOCKS = 50_000  # blocks of the text together: paragraphs, headings, items, quotations
MAX_BLOCK_CHARS = 100_000  # characters of one paragraph, heading or code block
MAX_UNBROKEN = 1_000  # characters drawn without a break opportunity: no line holds them
MAX_IMAGE_BYTES = 32 * MB  # one image: a 300 ppi full-page photograph is a few MB
MAX_FIGURE_BYTES = 256 * MB  # the images of a book together
MAX_NESTING = 10  # lists and quotations inside each other
BLOCK_LEVELS = 100  # markdown-it's block nesting limit, never reached: 10 lists are 21 levels

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISSOCK, "a socket"))


class Refusal(Exception):
    """Something the format does not have, or a limit passed, at `line` of the Markdown
    given (markup.py's parse_text names the file and the line of the file)."""

    def __init__(self, code: str, line: int, message: str, fix: str) -> None:
        super().__init__(message)
        self.code, self.line, self.message, self.fix = code, line, message, fix


@dataclass
class Budget:
    """What is left of the book's limits as its files are read and parsed, in order."""

    text_bytes: int = MAX_BOOK_BYTES
    lines: int = MAX_LINES
    blocks: int = MAX_BLOCKS
    figure_bytes: int = MAX_FIGURE_BYTES


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_source(path: Path, rel: str, limit: int, listed: tuple[str, int] | None = None
                ) -> bytes:
    """The bytes of the source file `path` (`rel` in messages), if it is a regular file of
    at most `limit` bytes. `listed`: the file and line that name it (a text file in
    book.yaml's `text`), where a file that is not a regular file is reported.

    The path is resolved already (source/load.py `inside`), so it leads through no link:
    O_NOFOLLOW makes sure no link has been put in its place since. O_NONBLOCK makes the
    opening of a FIFO return at once, and fstat() then refuses it before any read."""
    where, line = listed if listed else (rel, None)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise SourceError("S-FILE-MISSING", f"'{rel}' does not exist",
                          "create it (see README: Writing a book)", rel) from None
    except OSError as error:
        if error.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket cannot be opened
            raise _not_regular(rel, "a socket", where, line) from None
        raise _unreadable(rel, error) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(rel, _kind(mode), where, line)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(limit + 1 - size, MB))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise _unreadable(rel, error) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if size > limit:
        raise too_large(rel, data, limit, "a YAML file" if limit == MAX_YAML_BYTES
                        else "a text file")
    return data


def too_large(rel: str, data: bytes, limit: int, what: str, shown: int | None = None
              ) -> SourceError:
    """`data` (of the file `rel`) is more than `limit` bytes, the most `what` may hold
    (`shown`, when what is left of it is less): the error names the line where the
    limit is passed."""
    fix = ("shorten it" if what == "a YAML file" else "split the text into more files"
           if what == "a text file" else "make two books of it")
    most = limit if shown is None else shown
    return SourceError("S-TOO-LARGE", f"{what} may hold at most {most // MB} MB "
                       f"({most:,} bytes): the limit is passed on this line",
                       f"{fix} (README: Limits)", rel, data.count(b"\n", 0, limit) + 1)


def _not_regular(rel: str, kind: str, where: str, line: int | None) -> SourceError:
    return SourceError("S-NOT-REGULAR", f"'{rel}' is {kind}, not a regular file: only "
                       "files are read", "put a file of text in its place", where, line)


def _unreadable(rel: str, error: OSError) -> SourceError:
    return SourceError("S-FILE-UNREADABLE", f"cannot read '{rel}': {error.strerror}",
                       "check the file's permissions", rel)


# A line too long, found in linear time: MULTILINE '^' stands only where a line begins.
_LONG_LINE = re.compile(rf"^[^\n]{{{MAX_LINE + 1}}}", re.MULTILINE)


def check_lines(text: str, rel: str, budget: Budget | None = None) -> None:
    """Refuse a line longer than MAX_LINE characters, and (with a `budget`: the text
    files) lines beyond what is left of the book's MAX_LINES."""
    long = _LONG_LINE.search(text)
    if long:
        raise SourceError(
            "S-TOO-LONG", f"the line is longer than {MAX_LINE:,} characters",
            "break it: a paragraph may be written on several lines", rel,
            text.count("\n", 0, long.start()) + 1)
    if budget is None:
        return
    count = text.count("\n") + 1
    if count > budget.lines:
        raise SourceError(
            "S-TOO-MANY", f"the text files have more than {MAX_LINES:,} lines together "
            "(the most a book may have) by this line", "remove empty lines, or make two "
            "books of it (README: Limits)", rel, budget.lines + 1)
    budget.lines -= count


def read_text(path: Path, rel: str, limit: int, listed: tuple[str, int] | None = None,
              budget: Budget | None = None) -> str:
    """A source file as text: regular, at most `limit` bytes, UTF-8 without a byte-order
    mark, no line longer than MAX_LINE; with a `budget` (a text file), within what is
    left of the book's bytes and lines, which it uses up."""
    raw = read_source(path, rel, limit, listed)
    if budget is not None:
        if len(raw) > budget.text_bytes:
            raise too_large(rel, raw, budget.text_bytes, "the text files of a book together",
                            MAX_BOOK_BYTES)
        budget.text_bytes -= len(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise SourceError("S-BOM", "the file begins with a byte-order mark",
                          "save the file as UTF-8 without BOM", rel, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError("S-NOT-UTF8", f"byte {raw[error.start]:#04x} is not valid UTF-8",
                          "save the file as UTF-8", rel, line) from None
    check_lines(text, rel, budget)
    return text


# --- The limits of the text, as markdown-it rules (markup.py puts them in its parser) ---

Rule = Callable[[StateBlock, int, int, bool], bool]


def count_blocks(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """The first block rule, so called (never silently) once where each block begins:
    a book of too many blocks is refused as its text is parsed, before its tokens fill
    the memory (100,000 paragraphs made a build of 2 GB)."""
    budget = state.env.get("budget")
    if budget is not None and not silent:
        if budget.blocks <= 0:
            raise Refusal("S-TOO-MANY", start + 1, f"the book has more than {MAX_BLOCKS:,} "
                          "blocks (paragraphs, headings, list items, quotations) with this one",
                          "make two books of it (README: Limits)")
        budget.blocks -= 1
    return False


def nested(rule: Rule, editorial: bool = False) -> Rule:
    """A block rule that nests blocks (a list, a quotation, an editorial note) that
    refuses to nest them more than MAX_NESTING deep, where markdown-it would recurse
    on (its blockquote rule takes two Python frames a level) and then drop the text."""

    def guarded(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent:
            return rule(state, start, end, silent)
        depth = state.env.get("depth", 0)
        if depth >= MAX_NESTING and rule(state, start, end, True):
            raise Refusal("S-NESTING", start + 1, f"lists and quotations nested more than "
                          f"{MAX_NESTING} deep", "nest them less deep (README: Limits)")
        state.env["depth"] = depth + 1
        if editorial:
            state.env["editorial"] = state.env.get("editorial", 0) + 1
        try:
            return rule(state, start, end, silent)
        finally:
            state.env["depth"] = depth
            if editorial:
                state.env["editorial"] -= 1

    return guarded


def check_sizes(state: StateCore) -> None:
    """After the blocks are found and before their inline text is parsed: no paragraph,
    heading or code block longer than MAX_BLOCK_CHARS."""
    if state.env.get("budget") is None:
        return
    for token in state.tokens:
        if token.type in ("inline", "code_block", "fence") and \
                len(token.content) > MAX_BLOCK_CHARS:
            raise Refusal("S-TOO-LONG", (token.map[0] + 1) if token.map else 1,
                          f"the {'code block' if token.type != 'inline' else 'paragraph'} is "
                          f"longer than {MAX_BLOCK_CHARS:,} characters",
                          "break it into shorter ones (README: Limits)")


# Where a line may break: a space (not a no-break one), a hyphen, a dash, a slash, a
# soft hyphen, a zero-width space, and every Chinese or Japanese character.
BREAKS = ("\t\n\x0b\x0c\r \u1680\u2000-\u2006\u2008-\u200b\u2028\u2029\u205f"
          "\u00ad/\\-\u2010\u2013\u2014"
          "\u2e80-\u2fdf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
          "\uff00-\uffef\U00020000-\U0003ffff")
# A run too long, in linear time: one begins only where no unbreakable character is before.
_UNBROKEN = re.compile(f"(?<![^{BREAKS}])[^{BREAKS}]{{{MAX_UNBROKEN + 1}}}")


def check_runs(state: StateCore) -> None:
    """No run of more than MAX_UNBROKEN characters drawn without a break opportunity: no
    line can hold it, and the typesetter takes minutes over it. The text as drawn: after
    typography, without markup (`a*b*c` is one word), a line break a break."""
    if state.env.get("budget") is None:
        return
    for block in state.tokens:
        if block.type in ("code_block", "fence"):
            drawn = block.content
        elif block.children:
            drawn = "".join("\n" if child.type in ("softbreak", "hardbreak") else
                            child.content if child.type in ("text", "code_inline") else ""
                            for child in block.children)
        else:
            continue
        found = _UNBROKEN.search(drawn)
        if found:
            first = (block.map[0] if block.map else 0) + (2 if block.type == "fence" else 1)
            line = first + drawn.count("\n", 0, found.start())
            raise Refusal("S-TOO-LONG", line, f"'{found[0][:40]}...': more than "
                          f"{MAX_UNBROKEN:,} characters without a space, a hyphen or a dash, "
                          "where a line could break", "break it with spaces, or with a "
                          "zero-width space (&#x200B;) where a line may break (README: Limits)")
