#!/usr/bin/env bash
# Check (or install, on Debian/Ubuntu) the system packages the project needs that pip cannot bring.
#
#   tools/system-deps.sh [--need build|test] [--install]
#
#   --need build   only what building the book needs: Pango (WeasyPrint) and libharfbuzz-subset
#   --need test    everything (the default): also Java (EPUBCheck), chromium, Node.js + npm
#                  (DAISY Ace), qpdf and poppler-utils (the PDF checks)
#   --install      install what is missing with apt-get (as root, or through sudo)
#
# Without --install it prints, for each missing piece, what is missing, why it is needed and the
# command that installs it, and exits 1. It exits 0 when nothing is missing.
set -euo pipefail

need="test"
install="no"
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=yes ;;
        --need)
            [ $# -ge 2 ] || { echo "system-deps: --need takes build or test" >&2; exit 2; }
            need=$2
            shift
            ;;
        --need=*) need=${1#--need=} ;;
        -h | --help)
            sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "system-deps: unknown argument: $1 (see --help)" >&2
            exit 2
            ;;
    esac
    shift
done
case "$need" in
    build | test) ;;
    *) echo "system-deps: --need takes build or test, not '$need'" >&2; exit 2 ;;
esac

if [ "$(id -u)" -eq 0 ]; then
    sudo="" as_root=()
else
    sudo="sudo " as_root=(sudo)
fi

has_command() { command -v "$1" >/dev/null 2>&1; }
# The linker cache is read once per check round (not piped into grep -q: with pipefail, grep
# closing the pipe early would make a found library look missing).
libraries=""
read_libraries() {
    local ldconfig
    ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
    libraries=$("$ldconfig" -p 2>/dev/null || true)
}
# shellcheck disable=SC2317 # called through eval in missing_indexes
has_library() { grep -qF "$1" <<<"$libraries"; }

# Each check: a name, the Debian packages, why, and a test (a shell function) that succeeds when
# the thing is there. Commands are looked for, not packages, so a Java or Node.js installed some
# other way (a JDK, NodeSource) counts.
names=() packages=() reasons=() tests=()
check() { names+=("$1"); packages+=("$2"); reasons+=("$3"); tests+=("$4"); }

check "Pango (libpango-1.0, libpangoft2-1.0)" "libpango-1.0-0 libpangoft2-1.0-0" \
    "WeasyPrint lays out the print PDF with Pango" \
    "has_library libpango-1.0.so.0 && has_library libpangoft2-1.0.so.0"
check "libharfbuzz-subset" "libharfbuzz-subset0" \
    "WeasyPrint subsets the embedded fonts with it (else a slower fallback, with warnings)" \
    "has_library libharfbuzz-subset"
if [ "$need" = test ]; then
    check "java" "default-jre-headless" \
        "EPUBCheck (the EPUB validator) runs on Java" \
        "has_command java"
    check "chromium" "chromium" \
        "DAISY Ace (the EPUB accessibility checker) renders the pages in chromium" \
        "has_command chromium"
    check "node (Node.js)" "nodejs" \
        "DAISY Ace runs on Node.js" \
        "has_command node"
    check "npm" "npm" \
        "DAISY Ace is installed with npm into tools/ace (npm ci --ignore-scripts)" \
        "has_command npm"
    check "qpdf" "qpdf" \
        "the PDF's structure is checked with qpdf --check" \
        "has_command qpdf"
    check "poppler-utils (pdftoppm, pdftotext, pdffonts)" "poppler-utils" \
        "the PDF checks render pages, extract text and list embedded fonts with them" \
        "has_command pdftoppm && has_command pdftotext && has_command pdffonts"
fi

missing_indexes() {
    local i
    read_libraries
    for i in "${!names[@]}"; do
        eval "${tests[$i]}" || echo "$i"
    done
}

mapfile -t missing < <(missing_indexes)

if [ ${#missing[@]} -gt 0 ] && [ "$install" = yes ]; then
    if ! has_command apt-get; then
        echo "system-deps: apt-get not found; install these by other means:" >&2
    elif [ -n "$sudo" ] && ! has_command sudo; then
        echo "system-deps: run as root (or install sudo) to install packages" >&2
    else
        to_install=()
        for i in "${missing[@]}"; do
            # shellcheck disable=SC2206 # split the package list on spaces
            to_install+=(${packages[$i]})
        done
        echo "system-deps: installing ${to_install[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        "${as_root[@]}" apt-get update -qq
        "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${to_install[@]}"
        mapfile -t missing < <(missing_indexes)
    fi
fi

if [ ${#missing[@]} -gt 0 ]; then
    all=()
    for i in "${missing[@]}"; do
        echo "missing: ${names[$i]}"
        echo "    needed because: ${reasons[$i]}"
        echo "    install with:   ${sudo}apt-get install ${packages[$i]}"
        # shellcheck disable=SC2206
        all+=(${packages[$i]})
    done
    echo "all at once:        ${sudo}apt-get install ${all[*]}   (or: $0 --need $need --install)"
    exit 1
fi

# Ace 1.4.6 declares Node.js >= 20; Debian 12 ships 18 (NodeSource or Debian 13 have 20+).
if [ "$need" = test ]; then
    node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$node_major" -lt 20 ]; then
        echo "warning: node $(node --version 2>/dev/null) is older than 20, which DAISY Ace 1.4.6" \
            "declares it needs (Debian 12 ships 18; Debian 13 or NodeSource have 20+)" >&2
    fi
fi
exit 0
