"""Headless chromium as publish starts it (DAISY Ace's checks, `publish proof`'s pictures):
where it is, and the flags that keep it off the network.

Measured on chromium 156 (Debian 12) with `strace -f` over every chromium process and
listeners on 127.0.0.1, for a page loading another port by <img>, <link rel=stylesheet>,
@import, a CSS url(), @font-face, <iframe>, <object>, <video>, <link rel=preconnect> and
rel=prefetch, fetch() and new Image() in a <script>, and <meta http-equiv=refresh>:

- the `--disable-*` flags of FLAGS do not close the network: chromium itself still asks
  update.googleapis.com, clients2.google.com and accounts.google.com, and a page reaches
  any port (loopback bypasses a proxy by default, so `--proxy-server` alone does not stop
  a page reaching 127.0.0.1 or localhost);
- `--host-resolver-rules=MAP * ~NOTFOUND` fails every host, IP literals (127.0.0.1,
  [::ffff:127.0.0.1]) and the proxy's own address included: no TCP connection and no DNS
  query is made (what remains is a UDP socket connected, with nothing sent, to find the
  local address);
- `--proxy-server` with `--proxy-bypass-list=<-loopback>` sends every request, loopback
  included, to the proxy: NO_NETWORK names one that cannot be reached (in case the
  resolver's rules were ignored), `publish proof` its own server (`screens.py`).
"""

from __future__ import annotations

import os
import shutil
import tempfile

FLAGS = (
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
# No request leaves chromium: every host (IP literals too) fails to resolve, and the
# proxy every request is sent to (loopback's too) does not exist.
NO_NETWORK = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://no-network.invalid:9",
    "--proxy-bypass-list=<-loopback>",
)


def only_proxy(port: int) -> tuple[str, ...]:
    """Every request of chromium goes to the proxy on 127.0.0.1:`port`, and nowhere else:
    no host resolves, and the proxy's address is the one left out of that rule."""
    return ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{port}", "--proxy-bypass-list=<-loopback>")


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


def short_tmpdir() -> str:
    """chromium puts a unix socket in TMPDIR, whose path may be at most 107 bytes."""
    system = tempfile.gettempdir()
    return system if len(system) <= 40 else "/tmp"
