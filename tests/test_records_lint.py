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
