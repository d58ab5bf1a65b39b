#!/usr/bin/env bash
# Set up the hip viewer in ./.venv, then start it or run its tests.
#
#   ./setup.sh run  [hip-viewer options]   install (first time only) and serve the viewer
#   ./setup.sh test [pytest options]       install with the test tools, Chromium, redis-server and
#                                          nginx (the tests start their own; no service), run every test
#
# Needs Python 3.11 or newer (python3, or set PYTHON=/path/to/python) and, for the tests on a
# machine without Chromium, apt-get (run as root, or with sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

MODE=${1:-}
case "$MODE" in
    run | test) shift ;;
    -h | --help | help) usage ;;
    *) echo "setup.sh: say what to do: ./setup.sh run  or  ./setup.sh test" >&2; usage ;;
esac

PYTHON=${PYTHON:-python3}
VENV=.venv
CHROMIUM=${HIP_VIEWER_CHROMIUM:-}

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "setup.sh: needs root (or sudo) for: $*" >&2
        exit 1
    fi
}

APT_UPDATED=0
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup.sh: no apt-get here; install $* with this system's package manager" >&2
        exit 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# --- Python and the virtual environment -------------------------------------------------
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup.sh: $PYTHON not found; install Python 3.11 or newer (or set PYTHON=...)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup.sh: $("$PYTHON" --version 2>&1) is too old; the viewer needs Python 3.11 or newer" >&2
    exit 1
fi

if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    say "creating $VENV"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian's own Python keeps venv support in a separate package.
        rm -rf "$VENV"
        version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        apt_install "python${version}-venv" || apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi

# --- the package (again only when pyproject.toml changed) -------------------------------
if [ "$MODE" = test ]; then target=".[test]"; else target="."; fi
hash=$(cksum < pyproject.toml | cut -d' ' -f1)
stamp="$VENV/.hip-viewer-installed"
if ! grep -qx -e "$MODE $hash" -e "test $hash" "$stamp" 2>/dev/null; then
    say "pip install -e '$target' (the first time takes a minute or two)"
    "$VENV/bin/python" -m pip install --quiet --progress-bar off -e "$target"
    echo "$MODE $hash" >> "$stamp"
fi

# --- run --------------------------------------------------------------------------------
if [ "$MODE" = run ]; then
    exec "$VENV/bin/hip-viewer" "$@"
fi

find_chromium() {
    # Debian's chromium is /usr/bin/chromium; Ubuntu names its package chromium-browser.
    for candidate in /usr/bin/chromium "$(command -v chromium || true)" "$(command -v chromium-browser || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
if [ -z "$CHROMIUM" ]; then
    if ! CHROMIUM=$(find_chromium); then
        apt_install chromium || apt_install chromium-browser
        CHROMIUM=$(find_chromium) || true
    fi
fi
if ! [ -x "${CHROMIUM:-/nonexistent}" ]; then
    echo "setup.sh: no Chromium found${CHROMIUM:+ at $CHROMIUM}; set HIP_VIEWER_CHROMIUM to a Chromium binary" >&2
    exit 1
fi

# The lecture-hall tests start their own redis-server and nginx (free ports, temporary
# directories); only the programs are needed, never a running service.
missing=()
[ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# The browser tests must run: a missing browser fails them instead of skipping them.
export HIP_VIEWER_REQUIRE_BROWSER=1
export HIP_VIEWER_CHROMIUM="$CHROMIUM"
set +e
"$VENV/bin/python" -m pytest --durations=15 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "setup.sh: pytest collected no tests; counting that as a failure" >&2
    exit 1
fi
exit "$status"
