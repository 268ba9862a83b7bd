#!/usr/bin/env bash
# Check (or install, on Debian/Ubuntu) the system packages the project needs that pip cannot bring.
#
#   tools/system-deps.sh [--need build|test] [--install | --auto]
#
#   --need build   only what building the book needs: Pango (WeasyPrint), libharfbuzz-subset
#                  and qpdf (every build preflights its print files with qpdf --check)
#   --need test    everything (the default): also Java (EPUBCheck), chromium, Node.js + npm
#                  (DAISY Ace), poppler-utils (the PDF checks), Ghostscript and MuPDF (the pages
#                  drawn as printers' software draws them), Calibre (the EPUB's metadata), zbar
#                  (the barcode), YAZ and MARC::Lint (the records)
#   --install      install what is missing with apt-get, as root or through sudo (which may ask
#                  for a password)
#   --auto         what `make` uses: install what is missing with apt-get when that needs no
#                  password (run as root, or `sudo -n true` succeeds); else as without it
#
# When it does not install, it prints (on stderr) what is missing, why it is needed and the one
# command that installs it all, and exits 1. It exits 0 when nothing is missing (and prints nothing).
# What is missing is looked for on PATH (commands) and in `ldconfig -p` (libraries).
set -euo pipefail

need="test"
install="no"
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=yes ;;
        --auto) install=auto ;;
        --need)
            [ $# -ge 2 ] || { echo "system-deps: --need takes build or test" >&2; exit 2; }
            need=$2
            shift
            ;;
        --need=*) need=${1#--need=} ;;
        -h | --help)
            sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p;};}' "$0"
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
    build) purpose="building the book" ;;
    test) purpose="the tests" ;;
    *) echo "system-deps: --need takes build or test, not '$need'" >&2; exit 2 ;;
esac

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
check "qpdf" "qpdf" \
    "every build preflights its print files, their structure with qpdf --check" \
    "has_command qpdf"
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
    check "poppler-utils (pdftoppm, pdftotext, pdffonts)" "poppler-utils" \
        "the PDF checks render pages, extract text and list embedded fonts with them" \
        "has_command pdftoppm && has_command pdftotext && has_command pdffonts"
    check "Ghostscript (gs)" "ghostscript" \
        "the tests draw the print PDF's pages with Ghostscript, as a printer's RIP reads them" \
        "has_command gs"
    check "MuPDF (mutool)" "mupdf-tools" \
        "the tests draw the print PDF's pages with MuPDF, which reads fonts as the standard says" \
        "has_command mutool"
    check "Calibre (ebook-meta)" "calibre" \
        "the tests read the EPUB's metadata with Calibre's ebook-meta, as readers' libraries do" \
        "has_command ebook-meta"
    check "zbar (zbarimg)" "zbar-tools" \
        "the tests read the cover's ISBN barcode back with zbar, as a bookseller's scanner does" \
        "has_command zbarimg"
    check "YAZ (yaz-marcdump)" "yaz" \
        "the tests read the MARC records with yaz-marcdump, as library systems do" \
        "has_command yaz-marcdump"
    check "MARC::Lint (libmarc-lint-perl)" "libmarc-lint-perl" \
        "the tests run MARC::Lint on the MARC records (tests/marclint.pl)" \
        "perl -MMARC::Lint -e 1 2>/dev/null"
fi

missing_indexes() {
    local i
    read_libraries
    for i in "${!names[@]}"; do
        eval "${tests[$i]}" || echo "$i"
    done
}

# The missing pieces' packages in one list (to_install); and (say_why, on stderr) each piece and why.
to_install=()
collect_packages() {
    local i
    to_install=()
    for i in "${missing[@]}"; do
        # shellcheck disable=SC2206 # split the package list on spaces
        to_install+=(${packages[$i]})
    done
}
say_why() {
    local i
    for i in "${missing[@]}"; do
        echo "    ${names[$i]}: ${reasons[$i]}" >&2
    done
}

mapfile -t missing < <(missing_indexes)

# How apt-get can be run here: as root, through sudo without a password, through sudo that may
# ask for one (only with --install), or not at all (why_not says why).
as_root=() why_not=""
if ! has_command apt-get; then
    why_not="there is no apt-get here"
elif [ "$(id -u)" -eq 0 ]; then
    as_root=(env)
elif ! has_command sudo; then
    why_not="you are not root and there is no sudo"
elif sudo -n true 2>/dev/null; then
    as_root=(sudo -n env)
elif [ "$install" = yes ]; then
    as_root=(sudo env)
else
    why_not="you are not root and sudo is not password-less"
fi

if [ ${#missing[@]} -gt 0 ] && [ "$install" != no ] && [ ${#as_root[@]} -gt 0 ]; then
    how="as root"
    [ "${as_root[0]}" = env ] || how="with sudo"
    collect_packages
    echo "system-deps: installing with apt-get ($how), for $purpose: ${to_install[*]}" >&2
    say_why
    run=("${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get)
    # A failed update (offline) leaves the old lists, which may still do.
    "${run[@]}" update -qq >&2 || echo "system-deps: apt-get update failed; trying the install" >&2
    if ! "${run[@]}" install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${to_install[@]}" >&2; then
        echo "system-deps: apt-get install failed (above)" >&2
    fi
    mapfile -t missing < <(missing_indexes)
fi

if [ ${#missing[@]} -gt 0 ]; then
    collect_packages
    echo "system-deps: missing, for $purpose (pip cannot bring these):" >&2
    say_why
    command="apt-get install -y --no-install-recommends ${to_install[*]}"
    if [ "$why_not" = "there is no apt-get here" ]; then
        echo "There is no apt-get here: install them by other means (Debian names them ${to_install[*]})." >&2
        exit 1
    elif [ "$(id -u)" -eq 0 ]; then
        :
    elif has_command sudo; then
        command="sudo $command"
    else
        command="su -c '$command'"
    fi
    echo "Run this${why_not:+ ($why_not)}, then run make again:" >&2
    echo "    $command" >&2
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
