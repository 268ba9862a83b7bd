"""Books made up for the tests and the benchmark, written in the shipped source format
(book.yaml + text/*.md).

The words come from the scanned Seven Letters (tests/seed), shuffled by a seeded random
generator, so a generated book is the same every time and needs no font beyond ours. A
helper of its own: it imports neither pytest nor the tests' fixtures, so `make bench`
runs without the test tools.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

from .scan import SEED

ROOTS = Path(__file__).parent / "roots"


def vocabulary() -> list[str]:
    words = re.findall(r"[A-Za-z][a-z]+(?:-[A-Za-z][a-z]+)?", SEED.read_text(encoding="utf-8"))
    return sorted(set(words))


def paragraph(rng: random.Random, words: list[str], length: int) -> str:
    sentences = []
    while length > 0:
        n = rng.randint(8, 28)
        sentence = " ".join(rng.choice(words) for _ in range(n))
        sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".....?!;:"))
        length -= n
    text = " ".join(sentences)
    return text if text[-1] in ".?!" else text[:-1] + "."


def generate_book(folder: Path, *, parts: int, words_per_part: int, seed: int = 1964,
                  slug: str = "generated") -> Path:
    """A book of `parts` letters, each with sections (##) and subsections (###): the minimal
    book's book.yaml (the general format of issue 15) with their files in `text`. A letter
    (`kind: letter`, with its date and parties) is set as a chapter is, so the pages are
    those of a book of chapters."""
    rng = random.Random(seed)
    words = vocabulary()
    meta = yaml.safe_load((ROOTS / "minimal" / "book.yaml").read_text(encoding="utf-8"))
    meta["slug"] = slug
    meta["text"] = []
    (folder / "text").mkdir(parents=True, exist_ok=True)
    for number in range(1, parts + 1):
        name = f"text/{number:03d}-part.md"
        meta["text"].append(name)
        length = rng.randint(words_per_part // 3, words_per_part * 5 // 3)
        body = [paragraph(rng, words, rng.randint(40, 260))]
        for section in range(1, rng.randint(2, 3) + 1):
            body.append(f"## Section {number}.{section}")
            body += [paragraph(rng, words, rng.randint(40, 260)) for _ in range(2)]
            if section == 1:
                body.append(f"### Subsection {number}.{section}.1")
            while sum(len(p.split()) for p in body) < length * section // 3:
                body.append(paragraph(rng, words, rng.randint(40, 260)))
        header = {
            "id": f"part-{number}", "kind": "letter",
            "title": f"LETTER NUMBER {number} OF THE GENERATED BOOK",
            "short_title": f"Letter {number}", "date": f"1964-{1 + number % 12:02d}-01",
            "sender": "First Committee", "recipient": "Second Committee",
        }
        (folder / name).write_text(
            "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n"
            + "\n\n".join(body) + "\n", encoding="utf-8")
    (folder / "book.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True),
                                      encoding="utf-8")
    return folder
