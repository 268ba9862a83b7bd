"""MARC::Lint, the Perl module cataloguers check records with (Debian libmarc-lint-perl,
installed by `make test`), finds nothing in the binary MARC of Seven Letters and of the
novel: indicators, subfields, repeatability, ISBN check digits, language codes, 245's
punctuation and nonfiling articles. tests/marclint.pl runs it; a record with faults
planted in it shows that the run reports them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pymarc
import pytest

from .conftest import TESTS
from .test_records_novel import build_novel

SCRIPT = TESTS / "marclint.pl"


def lint(path: Path) -> list[str]:
    """MARC::Lint's warnings on the records of a binary MARC file, one a line."""
    perl = shutil.which("perl")
    if perl is None or subprocess.run([perl, "-MMARC::Lint", "-e", "1"], capture_output=True,
                                      check=False).returncode != 0:
        pytest.fail("MARC::Lint is not installed: apt-get install libmarc-lint-perl "
                    "(make test installs it)")
    run = subprocess.run([perl, str(SCRIPT), str(path)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def test_seven_letters_records_pass_marc_lint(seven_letters: Path) -> None:
    assert lint(seven_letters / "seven-letters.mrc") == []


def test_the_novel_s_records_pass_marc_lint(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert lint(build_novel(tmp_path_factory) / "novel.mrc") == []


def test_marc_lint_reports_planted_faults(tmp_path: Path) -> None:
    """A wrong ISBN check digit, a nonfiling indicator that ignores "The", a 245 with
    no closing period and a second 100: each is a warning of its own."""
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 i 4500")
    record.fields.extend([
        pymarc.Field("001", data="planted"),
        pymarc.Field("020", indicators=pymarc.Indicators(" ", " "),
                     subfields=[pymarc.Subfield("a", "9781907773128")]),
        pymarc.Field("100", indicators=pymarc.Indicators("1", " "),
                     subfields=[pymarc.Subfield("a", "Voronin, Ilya.")]),
        pymarc.Field("100", indicators=pymarc.Indicators("1", " "),
                     subfields=[pymarc.Subfield("a", "Petrova, Anna.")]),
        pymarc.Field("245", indicators=pymarc.Indicators("1", "0"),
                     subfields=[pymarc.Subfield("a", "The house by the river")]),
    ])
    path = tmp_path / "planted.mrc"
    path.write_bytes(record.as_marc())
    found = "\n".join(lint(path))
    assert "020: Subfield a has bad checksum" in found
    assert "1XX: Only one 1XX tag is allowed" in found
    assert "245: Must end with . (period)" in found
    assert "First word, the, may be an article" in found


# --- YAZ, the toolkit many library systems read records with --------------------------


def yaz(*args: str) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("yaz-marcdump") is None:
        pytest.fail("yaz-marcdump is not installed: apt-get install yaz (make test installs it)")
    return subprocess.run(["yaz-marcdump", *args], capture_output=True, timeout=120, check=True)


def yaz_warnings(path: Path) -> list[str]:
    """What yaz-marcdump says of a binary MARC file it reads: a damaged directory, a bad
    length, a stray separator, each as a line in brackets among the record's lines."""
    run = yaz("-i", "marc", "-o", "line", str(path))
    lines = run.stdout.decode("utf-8", "replace").splitlines()
    return [line for line in lines if line.startswith("(")] + run.stderr.decode().splitlines()


def test_yaz_reads_the_records_as_written(seven_letters: Path,
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """Both books' binary records read without a word from YAZ, and YAZ, turning the
    MARCXML into ISO 2709 itself, writes the very bytes of the .mrc: the two files hold the
    same records."""
    for folder, slug in ((seven_letters, "seven-letters"),
                         (build_novel(tmp_path_factory), "novel")):
        binary = folder / f"{slug}.mrc"
        assert yaz_warnings(binary) == []
        assert yaz("-i", "marc", "-o", "line", str(binary)).stdout.count(b" 4500\n") == 2
        assert yaz("-i", "marcxml", "-o", "marc", str(folder / f"{slug}.marc.xml")
                   ).stdout == binary.read_bytes()


def test_yaz_reports_a_damaged_record(seven_letters: Path, tmp_path: Path) -> None:
    data = bytearray((seven_letters / "seven-letters.mrc").read_bytes())
    data[30] = ord("X")  # inside the first directory entry's length
    damaged = tmp_path / "damaged.mrc"
    damaged.write_bytes(bytes(data))
    assert any("Directory offset 24" in line for line in yaz_warnings(damaged))
