"""Run DAISY Ace 1.4.6 on an EPUB and read its `report.json`.

Ace is run with its puppeteer runner and the system's chromium, headless:

    node .../node_modules/@daisy/ace/bin/ace-puppeteer.js --force --lang en \
        --timeout MS --tempdir WORK/ace/reports-tmp --outdir WORK/ace/report BOOK.epub

with PUPPETEER_EXECUTABLE_PATH set to a small script (written into the work directory) that
execs chromium with the flags below. Ace itself already passes `--no-sandbox` (needed as root)
and puppeteer its own defaults; neither offers a way to add launch arguments, hence the script.
HOME, the XDG directories and TMPDIR point into the work directory, so Ace's logs and
chromium's profile stay there and nothing is read from or written to the user's home (but for
npx's own cache, which is where npx keeps the Ace it runs).

Where Ace is, first found first (`find_ace`):

1. $PUBLISH_ACE: an install folder (`npm install --prefix DIR @daisy/ace`, `tools/ace`, the
   `@daisy/ace` package itself or a global prefix) or an `ace-puppeteer`/`ace` executable;
2. `tools/ace` of the checkout this package runs from, once `npm ci` has filled it (a wheel
   has no `tools/`);
3. `ace-puppeteer`, then `ace`, on the PATH (`npm install -g @daisy/ace`);
4. `npx --no-install --package @daisy/ace ace-puppeteer`, when npx is there: an Ace that npx
   already holds, never one downloaded now.

An `ace` that is npm's link to Ace's `bin/ace.js` (the electron runner, which needs electron
downloaded) is run as its sibling `ace-puppeteer.js`, the same Ace on the system's chromium.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.checks import Finding
from publish.checks.chromium import FLAGS, NO_NETWORK, find_chromium, short_tmpdir
from publish.errors import EnvironmentProblem, OutputError

VALIDATOR = "ace"
ACE_VERSION = "1.4.6"
IMPACTS = ("critical", "serious", "moderate", "minor")

# chromium without the network (`chromium.py` says how that was measured): Ace runs the
# book's scripts (its checks are scripts), so only the network is closed.
CHROMIUM_FLAGS = (*FLAGS, *NO_NETWORK)
_PACKAGE_SCRIPT = Path("bin", "ace-puppeteer.js")  # in the package @daisy/ace
_ACE_SCRIPT = Path("node_modules", "@daisy", "ace") / _PACKAGE_SCRIPT
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_INSTALL_ACE = "cd tools/ace && npm ci --ignore-scripts"
_CHECKOUT = Path(__file__).resolve().parents[2]
ENV_ACE = "PUBLISH_ACE"
_NPX_PACKAGE = "@daisy/ace"
# What npx prints when the package is not already installed and --no-install forbids it.
_NPX_MISSING = ("npx canceled due to missing packages", "could not determine executable to run")


@dataclass(frozen=True)
class Ace:
    """How Ace is started: the command its options follow, and where it was found."""

    command: tuple[str, ...]
    found: str
    npx: bool = False


def default_ace_dir() -> Path:
    """`tools/ace` of this checkout (a wheel installed by pip has none)."""
    return _CHECKOUT / "tools" / "ace"


def find_ace(node: str, ace_dir: Path | None = None) -> Ace:
    """Where Ace is: `ace_dir` alone when given, else the order of this module's docstring.

    Raises EnvironmentProblem (E-ENV-ACE) naming every way when Ace is found nowhere, or
    when `ace_dir` or $PUBLISH_ACE names something that is not Ace.
    """
    if ace_dir is not None:
        return _named(Path(ace_dir), node, str(ace_dir))
    # PUBLISH_ACE_DIR: the variable's earlier name.
    for variable in (ENV_ACE, "PUBLISH_ACE_DIR"):
        configured = os.environ.get(variable)
        if configured:
            return _named(Path(configured).expanduser(), node, f"${variable}")
    checkout = default_ace_dir()
    if (_CHECKOUT / "pyproject.toml").is_file():
        command = _at(checkout, node)
        if command is not None:
            return Ace(command, str(checkout))
    for name in ("ace-puppeteer", "ace"):
        on_path = shutil.which(name)
        if on_path:
            command = _at(Path(on_path), node)
            if command is not None:
                return Ace(command, f"{name} on PATH ({on_path})")
    npx = shutil.which("npx")
    if npx:
        return Ace((npx, "--no-install", "--package", _NPX_PACKAGE, "ace-puppeteer"), "npx", True)
    raise _not_found(f"DAISY Ace is not found: ${ENV_ACE} is not set, {_checkout_state()}, "
                     "neither ace-puppeteer nor ace is on PATH, and npx is missing")


def _checkout_state() -> str:
    if not (_CHECKOUT / "pyproject.toml").is_file():
        return "there is no tools/ace (this publish is installed, not a checkout)"
    return f"{default_ace_dir()} holds no Ace (npm ci has not run there)"


def _named(path: Path, node: str, name: str) -> Ace:
    command = _at(path, node)
    if command is None:
        raise _not_found(f"DAISY Ace is not installed in {path} ({name}): it is neither an Ace "
                         "install folder nor an ace or ace-puppeteer executable")
    return Ace(command, name)


def _not_found(message: str) -> EnvironmentProblem:
    return EnvironmentProblem(
        code="E-ENV-ACE",
        message=message,
        fix=(f"in a checkout: {_INSTALL_ACE}; elsewhere: npm install --ignore-scripts "
             f"--prefix DIR @daisy/ace@{ACE_VERSION}, then {ENV_ACE}=DIR (or npm install -g "
             f"--ignore-scripts @daisy/ace@{ACE_VERSION}: ace-puppeteer on PATH); Ace needs "
             "`nodejs` and `npm`"),
    )


def _at(path: Path, node: str) -> tuple[str, ...] | None:
    """The command that runs the Ace at `path` (a folder or an executable), or None."""
    if path.is_dir():
        for script in (
            path / _ACE_SCRIPT,  # npm ci / npm install --prefix: PATH/node_modules/@daisy/ace
            path / _PACKAGE_SCRIPT,  # the folder of the package @daisy/ace itself
            path / "lib" / _ACE_SCRIPT,  # npm install -g --prefix PATH
        ):
            if script.is_file():
                return (node, str(script))
        return None
    if not path.is_file():
        return None
    real = path.resolve()
    if real.suffix == ".js":
        # npm's link to one of Ace's scripts: its puppeteer runner, run with this node.
        puppeteer = real.with_name(_PACKAGE_SCRIPT.name)
        return (node, str(puppeteer if puppeteer.is_file() else real))
    if os.access(path, os.X_OK):
        return (str(path),)  # a wrapper script, or an Ace packaged some other way
    return None


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
    a previous `ace/` there is removed first. Ace is the one at `ace_dir` (a folder or an
    executable) when given, else where `find_ace` finds it. Raises EnvironmentProblem when
    node, chromium or Ace is missing, OutputError when Ace fails or takes longer than
    `timeout` seconds.
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
    ace = find_ace(node_path, ace_dir)
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
        f"TMPDIR={shlex.quote(short_tmpdir())}\n"
        "export TMPDIR\n"
        f'exec {shlex.join([chromium_path, *CHROMIUM_FLAGS])} "$@"\n',
        encoding="utf-8",
    )
    launcher.chmod(0o755)

    per_document_ms = int(min(240.0, timeout) * 1000)
    command = [
        *ace.command,
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
    if ace.npx:
        env.update(_npx_environment(run_dir))
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
        if ace.npx and any(sign in text for sign in _NPX_MISSING):
            said = next(line for line in text.splitlines() if _NPX_MISSING[0] in line
                        or _NPX_MISSING[1] in line)
            raise _not_found(f"DAISY Ace is not found: npx holds no {_NPX_PACKAGE} "
                             f"({said.strip()}), ${ENV_ACE} is not set, {_checkout_state()}, "
                             "and neither ace-puppeteer nor ace is on PATH")
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


def _npx_environment(run_dir: Path) -> dict[str, str]:
    """npx reads the user's npm cache (where the Ace it runs is) though HOME is moved; its
    logs go to the work directory, and it asks the registry nothing it has cached."""
    # npm reads its npm_config_* variables in any case.
    given = [value for key, value in os.environ.items() if key.lower() == "npm_config_cache"]
    cache = next((value for value in given if value), str(Path.home() / ".npm"))
    return {
        "npm_config_cache": cache,
        "npm_config_logs_dir": str(run_dir / "npm-logs"),
        "npm_config_prefer_offline": "true",
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }


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
