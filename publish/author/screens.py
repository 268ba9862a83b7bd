"""Places in an EPUB as a reader sees them: screenshots by headless chromium, with the
EPUB's own style sheets and fonts.

The EPUB is unzipped into a temporary folder, and a small page written beside its files
holds one iframe per place, side by side, each loading an XHTML file of the book with the
place's fragment (`text/part-02.xhtml#page-4`): chromium scrolls each to its marker, as a
reading system does when a reader follows the page-list. One chromium run takes every
screenshot of a batch; the iframes are cut apart afterwards. The iframe keeps the
book's documents as they are (the EPUB is shown, not a copy made for the picture), and
the page around it stands for the reading system's margins.
"""

from __future__ import annotations

import html
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

from publish.checks.ace import CHROMIUM_FLAGS, find_chromium
from publish.errors import EnvironmentProblem, OutputError

BATCH = 6  # places per chromium run: the window grows with each
MARGIN = 20  # CSS pixels around the book's page: the reading system's margins
TIMEOUT = 120.0
_FIX = "apt-get install chromium (Debian's package; or run `tools/system-deps.sh --install`)"


def chromium_path() -> str:
    found = find_chromium()
    if found is None or not Path(found).is_file():
        raise EnvironmentProblem("E-ENV-CHROMIUM", "chromium is not installed; `publish proof` "
                                 "renders the EPUB's pages in it", _FIX)
    return found


def screenshots(epub: Path, places: list[str], size: tuple[int, int]) -> list[Image.Image]:
    """One image of `size` (CSS pixels = image pixels) per place, a zip name with a
    fragment (`EPUB/text/part-02.xhtml#page-4`), in the order given."""
    browser = chromium_path()
    images: list[Image.Image] = []
    with tempfile.TemporaryDirectory(prefix="publish-proof-") as work:
        book = Path(work) / "book"
        with zipfile.ZipFile(epub) as archive:
            archive.extractall(book)  # zipfile drops `..` and leading slashes from names
        for start in range(0, len(places), BATCH):
            batch = places[start:start + BATCH]
            shot = _shoot(browser, book, batch, size, Path(work) / f"shot-{start}.png")
            width, height = size
            images += [shot.crop((n * width, 0, (n + 1) * width, height))
                       for n in range(len(batch))]
    return images


def _shoot(browser: str, book: Path, places: list[str], size: tuple[int, int],
           target: Path) -> Image.Image:
    width, height = size
    frames = "".join(f'<div><iframe src="{html.escape(place)}"></iframe></div>'
                     for place in places)
    page = book / ".proof.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "body{margin:0;display:flex;background:#fff}"
        f"div{{flex:none;width:{width}px;height:{height}px;box-sizing:border-box;"
        f"padding:{MARGIN}px}}iframe{{border:0;width:100%;height:100%}}"
        f"</style></head><body>{frames}</body></html>", encoding="utf-8")
    home = book.parent / "home"
    home.mkdir(exist_ok=True)
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={home / 'profile'}",
               "--hide-scrollbars", "--force-device-scale-factor=1",
               "--force-color-profile=srgb",
               # Waits (in virtual time) for the web fonts and frames before the shot.
               "--virtual-time-budget=10000",
               f"--window-size={width * len(places)},{height}",
               f"--screenshot={target}", page.as_uri()]
    # chromium writes its profile and caches under HOME and a socket under TMPDIR.
    env = {**os.environ, "HOME": str(home), "TMPDIR": _short_tmpdir()}
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise OutputError("E-OUT-PROOF", f"chromium took more than {TIMEOUT:g} s for a "
                          "screenshot", "check that the machine is not overloaded") from None
    except OSError as error:
        raise EnvironmentProblem("E-ENV-CHROMIUM", f"cannot run {browser}: {error}",
                                 _FIX) from None
    if not target.is_file():
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise OutputError("E-OUT-PROOF", f"chromium made no screenshot (exit status "
                          f"{done.returncode}): {' | '.join(said) or 'no output'}",
                          "check that chromium runs: chromium --headless=new --version")
    with Image.open(target) as shot:
        return shot.convert("RGB")


def _short_tmpdir() -> str:
    """chromium puts a unix socket in TMPDIR, whose path may be at most 107 bytes."""
    system = tempfile.gettempdir()
    return system if len(system) <= 40 else "/tmp"

