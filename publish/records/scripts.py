"""A text of book.yaml in its several forms (a title, a name, a place), as a catalogue
record writes it: which form goes in the record's regular field and which, in another
script, beside it.

MARC 21 pairs a field with an 880 holding the same data in another script ("Model A",
MARC 21 Appendix D: multiscript records): the regular field carries the romanized
form, the 880 the vernacular. A romanized form is one in Latin script: an alternate
tagged `-Latn` (`ru-Latn: Dom u reki` beside `ru: Дом у реки`) or, for a name, its
form in a Latin-script language (`en: Anna Petrova` beside `ru: Анна Петрова`). A text
with no Latin-script form stays in the regular field as it is, with no 880: a Unicode
record may hold any script there ("Model B"), and an 880 repeating the regular field
word for word links nothing (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import langcodes

from publish.source.markup import plain_text
from publish.source.metadata import marc_language, script_of

if TYPE_CHECKING:
    from publish.source.metadata import LocalName, LocalTitle

    Forms = LocalName | LocalTitle

LATIN = "Latn"
# MARC 21 script identification codes for $6 (Appendix A, "Control subfields": the
# MARC-8 escape sequences' final characters), by ISO 15924 script. "$1" covers every
# CJK script: Han (simplified, traditional), Japanese kana and Korean Hangul.
MARC_SCRIPTS = {
    "Arab": "(3", "Latn": "(B", "Cyrl": "(N", "Grek": "(S", "Hebr": "(2",
    **dict.fromkeys(("Hani", "Hans", "Hant", "Jpan", "Hira", "Kana", "Hrkt", "Kore",
                     "Hang", "Bopo"), "$1"),
}
RIGHT_TO_LEFT = {"Arab", "Hebr"}  # $6's field orientation code "r"


@dataclass(frozen=True)
class Form:
    """One text as a record writes it: `text` in the regular field, `vernacular` (in
    `script`) in the 880 beside it, if it has one."""

    text: str
    lang: str  # the regular form's language tag
    vernacular: str | None = None
    script: str | None = None  # ISO 15924, of the vernacular

    @property
    def original(self) -> str:
        """The text in its own script: the vernacular if there is one."""
        return self.vernacular or self.text


def entries(forms: Forms, language: str) -> list[tuple[str, str]]:
    """(language tag, text) of every form, the main one first; `language` is the book's,
    what a form with no tag is in."""
    found = [(forms.lang or language, forms.text), *forms.alternates]
    return [(tag, plain_text(text)) for tag, text in found]  # no Markdown in a record


def _pick(found: list[tuple[str, str]]) -> Form:
    """The regular and the vernacular form among forms of one text."""
    (tag, text), others = found[0], found[1:]
    if script_of(tag) != LATIN:
        latin = next(((t, x) for t, x in others if script_of(t) == LATIN), None)
        if latin is None:
            return Form(text, tag)  # no romanized form: the text itself (Model B)
        return Form(latin[1], latin[0], text, script_of(tag))
    other = next(((t, x) for t, x in others if script_of(t) != LATIN), None)
    if other is None:
        return Form(text, tag)
    return Form(text, tag, other[1], script_of(other[0]))


def single(forms: Forms, language: str) -> Form:
    """A name, a place, a publisher: one thing in several forms. The regular field takes
    the main form if it is in Latin script, else the first Latin-script one; the 880 the
    first form in another script (a field pairs with one 880: MARC 21 Appendix A)."""
    return _pick(entries(forms, language))


def base(tag: str) -> str:
    return str(langcodes.Language.get(tag).language)


def by_language(forms: Forms, language: str) -> list[Form]:
    """A title: each language's form is a title of its own (a parallel title, RDA
    2.3.3), and a language's forms in two scripts are one title and its romanization.
    The main form's language comes first."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for tag, text in entries(forms, language):
        groups.setdefault(base(tag), []).append((tag, text))
    return [_pick(found) for found in groups.values()]


def marc_script(script: str | None) -> str:
    """What follows the occurrence number in an 880's $6: "/(N", "/$1", "/(3/r"; nothing
    for a script MARC-8 has no code for (the code is optional: $6 880-01 links alone)."""
    code = MARC_SCRIPTS.get(script or "")
    if code is None:
        return ""
    return f"/{code}" + ("/r" if script in RIGHT_TO_LEFT else "")


def onix_language(tag: str) -> str:
    """ONIX code list 74 is ISO 639-2/B, as MARC's language codes are."""
    return marc_language(tag)


def explicit_script(tag: str) -> str | None:
    """The script a tag names itself (zh-Hant -> Hant), not its language's likely one."""
    script = langcodes.Language.get(tag).script
    return str(script) if script else None


def region(tag: str) -> str | None:
    """The country a tag names (en-GB -> GB), if it names one (not a UN M.49 area)."""
    territory = langcodes.Language.get(tag).territory
    return str(territory) if territory and str(territory).isalpha() else None
