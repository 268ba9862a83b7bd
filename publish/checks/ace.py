"""Run DAISY Ace 1.4.6 (installed under `tools/ace/`) on an EPUB and read its `report.json`.

Ace is run with its puppeteer runner and the system's chromium, headless:

    node tools/ace/node_modules/@daisy/ace/bin/ace-puppeteer.js --force --lang en \
        --timeout MS --tempdir WORK/ace/reports-tmp --outdir WORK/ace/report BOOK.epub

with PUPPETEER_EXECUTABLE_PATH set to a small script (written into the work directory) that
execs chromium with the flags below. Ace itself already passes `--no-sandbox` (needed as root)
and puppeteer its own defaults; neither offers a way to add launch arguments, hence the script.
HOME, the XDG directories and TMPDIR point into the work directory, so Ace's logs and
chromium's profile stay there and nothing is read from or written to the user's home.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..errors import EnvironmentProblem, OutputError
from . import Finding

VALIDATOR = "ace"
ACE_VERSION = "1.4.6"
IMPACTS = ("critical", "serious", "moderate", "minor")

# The network is closed here: nothing may try to reach Google's services.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
)
_ACE_SCRIPT = Path("node_modules", "@daisy", "ace", "bin", "ace-puppeteer.js")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_INSTALL_ACE = "cd tools/ace && npm ci --ignore-scripts"


def default_ace_dir() -> Path:
    """`tools/ace` of this checkout, or the directory named by $PUBLISH_ACE_DIR."""
    configured = os.environ.get("PUBLISH_ACE_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "tools" / "ace"


def run_ace(
    epub: Path,
    workdir: Path,
    *,
    timeout: float = 300.0,
    ace_dir: Path | None = None,
    chromium: str | None = None,
    node: str | None = None,
) -> list[Finding]:
    """Check `epub` with Ace; every failed assertion becomes a Finding, sorted by location.

    `workdir` receives `ace/` (the report in `ace/report/`, Ace's log, chromium's profile);
    a previous `ace/` there is removed first. Raises EnvironmentProblem when node, chromium
    or Ace is missing, OutputError when Ace fails or takes longer than `timeout` seconds.
    """
    node_path = node or shutil.which("node")
    if node_path is None:
        raise EnvironmentProblem(
            code="E-ENV-NODE",
            message="`node` is not on PATH; DAISY Ace runs on Node.js (20 or newer)",
            fix="apt-get install nodejs npm (or run `tools/system-deps.sh --install`)",
        )
    chromium_path = chromium or find_chromium()
    if chromium_path is None or not Path(chromium_path).is_file():
        raise EnvironmentProblem(
            code="E-ENV-CHROMIUM",
            message="chromium is not installed; DAISY Ace renders the EPUB's pages in it",
            fix="apt-get install chromium (or run `tools/system-deps.sh --install`)",
        )
    ace_root = Path(ace_dir) if ace_dir is not None else default_ace_dir()
    script = ace_root / _ACE_SCRIPT
    if not script.is_file():
        raise EnvironmentProblem(
            code="E-ENV-ACE",
            message=f"DAISY Ace is not installed in {ace_root}",
            fix=f"{_INSTALL_ACE} (needs `nodejs` and `npm`)",
        )
    epub = Path(epub).resolve()
    if not epub.is_file():
        raise OutputError(
            code="E-OUT-ACE",
            message="the EPUB to check does not exist",
            fix="write the EPUB before checking it",
            path=str(epub),
        )

    run_dir = Path(workdir).resolve() / "ace"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    outdir = run_dir / "report"
    home = run_dir / "home"
    tmp = run_dir / "tmp"
    for directory in (home, tmp):
        directory.mkdir(parents=True)
    launcher = run_dir / "chromium"
    launcher.write_text(
        "#!/bin/sh\n"
        # chromium puts a socket in TMPDIR; a unix socket's path is at most 107 bytes.
        f"TMPDIR={shlex.quote(_short_tmpdir())}\n"
        "export TMPDIR\n"
        f'exec {shlex.quote(chromium_path)} {" ".join(CHROMIUM_FLAGS)} "$@"\n',
        encoding="utf-8",
    )
    launcher.chmod(0o755)

    per_document_ms = int(min(240.0, timeout) * 1000)
    command = [
        node_path,
        str(script),
        "--force",
        "--lang",
        "en",
        "--timeout",
        str(per_document_ms),
        "--tempdir",
        str(run_dir / "reports-tmp"),
        "--outdir",
        str(outdir),
        str(epub),
    ]
    env = dict(os.environ)
    env.update(
        {
            "PUPPETEER_EXECUTABLE_PATH": str(launcher),
            "PUPPETEER_SKIP_DOWNLOAD": "1",
            # Ace allows 5 s for chromium to start, too little on a busy machine.
            "ACE_TIMEOUT_INITIAL": "60000",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "TMPDIR": str(tmp),
            "NODE_ENV": "production",
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
        }
    )
    env.pop("DEBUG_PROD", None)
    env.pop("LC_ALL", None)

    process = subprocess.Popen(
        command,
        cwd=run_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise OutputError(
            code="E-OUT-ACE-TIMEOUT",
            message=f"DAISY Ace did not finish within {timeout:g} s and was stopped",
            fix=f"see the log under {home}; a very large book may need a larger timeout",
            path=str(epub),
        ) from exc
    finally:
        if process.poll() is None:  # an exception other than the timeout
            _kill_group(process)
    text = _ANSI.sub("", output.decode("utf-8", "replace"))
    report_file = outdir / "report.json"
    if process.returncode != 0 or not report_file.is_file():
        if "Failed to launch the browser process" in text:
            raise EnvironmentProblem(
                code="E-ENV-CHROMIUM",
                message=f"chromium ({chromium_path}) does not start: {_tail(text)}",
                fix="apt-get install chromium; check that it runs: chromium --headless --version",
            )
        raise OutputError(
            code="E-OUT-ACE",
            message=f"DAISY Ace failed (exit status {process.returncode}): {_tail(text)}",
            fix="run it by hand to see why: " + shlex.join(command),
            path=str(epub),
        )
    report = json.loads(report_file.read_text(encoding="utf-8"))
    findings = findings_from_report(report)
    outcome = report.get("earl:result", {}).get("earl:outcome")
    if outcome == "fail" and not findings:
        raise OutputError(
            code="E-OUT-ACE",
            message="Ace reports a failure but no failed assertion could be read from it",
            fix=f"read {report_file}; its format may have changed (Ace {ACE_VERSION} expected)",
            path=str(epub),
        )
    return findings


def findings_from_report(report: dict[str, Any]) -> list[Finding]:
    """Every assertion of an Ace report whose `earl:outcome` is `fail`, sorted."""
    findings: list[Finding] = []

    def walk(assertions: Any, subject: str) -> None:
        if not isinstance(assertions, list):
            return
        for assertion in assertions:
            if not isinstance(assertion, dict):
                continue
            tested = assertion.get("earl:testSubject")
            if isinstance(tested, dict) and tested.get("url"):
                subject = str(tested["url"]).lstrip("/")
            result = assertion.get("earl:result") or {}
            test = assertion.get("earl:test")
            if isinstance(test, dict) and result.get("earl:outcome") == "fail":
                findings.append(_finding(test, result, subject))
            walk(assertion.get("assertions"), subject)

    walk(report.get("assertions"), "")
    return sorted(findings, key=lambda f: (f.location, f.code, f.message, f.severity))


def _finding(test: dict[str, Any], result: dict[str, Any], subject: str) -> Finding:
    described = str(result.get("dct:description") or "").strip()
    message = described.splitlines()[0] if described else str(test.get("dct:description", ""))
    pointer = result.get("earl:pointer") or {}
    css = pointer.get("css") if isinstance(pointer, dict) else None
    location = subject
    if isinstance(css, list) and css:
        location = f"{subject} ({' > '.join(str(selector) for selector in css)})"
    return Finding(
        validator=VALIDATOR,
        severity=str(test.get("earl:impact") or "unknown").lower(),
        code=str(test.get("dct:title", "")),
        message=" ".join(message.split()),
        location=location,
    )


def _short_tmpdir() -> str:
    system = tempfile.gettempdir()
    return system if len(system) <= 40 else "/tmp"


def find_chromium() -> str | None:
    """$PUBLISH_CHROMIUM, else chromium on PATH (Debian's package `chromium`)."""
    configured = os.environ.get("PUBLISH_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Stop Ace and the chromium it started (they share the session Ace was started in)."""
    # The leader is not reaped yet, so its process group id cannot belong to anyone else.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _tail(text: str, lines: int = 6) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"
