"""Places in an EPUB as a reader sees them: screenshots by headless chromium, with the
EPUB's own style sheets and fonts.

The EPUB is unzipped into a temporary folder, and a small page holds one iframe per place,
side by side, each loading an XHTML file of the book with the place's fragment
(`EPUB/text/part-02.xhtml#page-4`): chromium scrolls each to its marker, as a reading
system does when a reader follows the page-list. One chromium run takes every screenshot
of a batch; the iframes are cut apart afterwards. The iframe keeps the book's documents as
they are (the EPUB is shown, not a copy made for the picture), and the page around it
stands for the reading system's margins.

chromium runs the book's pages, not publish's, so it runs them shut in:

- no script runs: the fresh profile's content settings block JavaScript (the blink
  setting `scriptEnabled=false` would too, but it stops headless chromium's screenshot);
- no network: every request goes to a proxy served here, on 127.0.0.1, and no host
  resolves (`publish/checks/chromium.py`);
- no file of the machine: the pages are not `file://` ones (which may load any file the
  user can read) but are served by that proxy as http://book.invalid/, from the unzipped
  EPUB alone; chromium refuses a `file://` address on such a page, and the proxy answers
  403 to every other address, Google's services' included.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import json
import os
import socketserver
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from PIL import Image

from publish.checks.chromium import FLAGS, find_chromium, only_proxy, short_tmpdir
from publish.errors import EnvironmentProblem, OutputError

BATCH = 6  # places per chromium run: the window grows with each
MARGIN = 20  # CSS pixels around the book's page: the reading system's margins
TIMEOUT = 120.0
HOST = "book.invalid"  # the book's origin (`.invalid` is never a real host: RFC 6761)
_FIX = "apt-get install chromium (Debian's package; or run `tools/system-deps.sh --install`)"
# The profile's own settings, written before chromium starts: 2 = block.
PREFERENCES = {"profile": {"default_content_setting_values": {"javascript": 2}}}
# What the proxy says a file is, by its suffix (an EPUB's media types; no sniffing).
TYPES = {".xhtml": "application/xhtml+xml", ".html": "text/html", ".css": "text/css",
         ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
         ".woff2": "font/woff2", ".woff": "font/woff", ".otf": "font/otf", ".ttf": "font/ttf"}


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
        profile = Path(work) / "home" / "profile"
        (profile / "Default").mkdir(parents=True)
        (profile / "Default" / "Preferences").write_text(json.dumps(PREFERENCES),
                                                         encoding="utf-8")
        with _serving(book) as server:
            for start in range(0, len(places), BATCH):
                batch = places[start:start + BATCH]
                shot = _shoot(browser, server, batch, size, Path(work) / f"shot-{start}.png")
                width, height = size
                images += [shot.crop((n * width, 0, (n + 1) * width, height))
                           for n in range(len(batch))]
    return images


class BookServer(http.server.ThreadingHTTPServer):
    """The proxy chromium sends every request to: it answers `http://book.invalid/...`
    from the unzipped book (and the page of iframes, from memory), and nothing else."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.root = root.resolve()
        self.pages: dict[str, bytes] = {}  # path -> an HTML page made here

    def server_bind(self) -> None:
        """As http.server's, but without its reverse lookup of the address (getfqdn)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def answer(self, target: str) -> tuple[bytes, str] | None:
        """The body and type of a request for `target` (a proxy's absolute URL), or None."""
        url = urlsplit(target)
        if url.scheme != "http" or url.netloc != HOST:
            return None
        if url.path in self.pages:
            return self.pages[url.path], "text/html; charset=utf-8"
        path = (self.root / unquote(url.path).lstrip("/")).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path.read_bytes(), TYPES.get(path.suffix.lower(), "application/octet-stream")


class _Answer(http.server.BaseHTTPRequestHandler):
    server: BookServer

    def do_GET(self) -> None:  # the method is named after the HTTP verb
        self._reply(send_body=True)

    def do_HEAD(self) -> None:
        self._reply(send_body=False)

    def _reply(self, send_body: bool) -> None:
        try:
            found = self.server.answer(self.path)
        except (OSError, ValueError):  # a name the file system refuses (a NUL in it)
            found = None
        body, kind = found or (b"", "text/plain")
        self.send_response(200 if found else 403)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Every other verb (CONNECT: https, websockets) and every bad request: 403."""
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serving(root: Path) -> Iterator[BookServer]:
    server = BookServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _shoot(browser: str, server: BookServer, places: list[str], size: tuple[int, int],
           target: Path) -> Image.Image:
    width, height = size
    frames = "".join(f'<div><iframe src="{html.escape(_address(place))}"></iframe></div>'
                     for place in places)
    page = f"/.proof-{target.stem}.html"
    server.pages[page] = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "body{margin:0;display:flex;background:#fff}"
        f"div{{flex:none;width:{width}px;height:{height}px;box-sizing:border-box;"
        f"padding:{MARGIN}px}}iframe{{border:0;width:100%;height:100%}}"
        f"</style></head><body>{frames}</body></html>").encode()
    home = target.parent / "home"
    command = [browser, *FLAGS, *only_proxy(server.port), f"--user-data-dir={home / 'profile'}",
               "--hide-scrollbars", "--force-device-scale-factor=1",
               "--force-color-profile=srgb",
               # Waits (in virtual time) for the web fonts and frames before the shot.
               "--virtual-time-budget=10000",
               f"--window-size={width * len(places)},{height}",
               f"--screenshot={target}", f"http://{HOST}{page}"]
    # chromium writes its profile and caches under HOME and a socket under TMPDIR.
    env = {**os.environ, "HOME": str(home), "TMPDIR": short_tmpdir()}
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


def _address(place: str) -> str:
    """A zip name with a fragment, as a path on the book's origin."""
    name, hashmark, fragment = place.partition("#")
    return f"/{quote(name)}{hashmark}{quote(fragment, safe='')}"
