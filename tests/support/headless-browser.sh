#!/bin/sh
# The "system browser" of the flow tests: opens the URL given as the LAST argument in headless Chromium, which runs
# the provider's login page (its inline JavaScript fills and submits the forms) and follows the redirects to the
# loopback callback, then exits by itself (--dump-dom prints the final page, which goes to /dev/null).
# `portcullis-cli flow run --browser-command` is given this script in CLI tests, and the console's URL handler
# runs it in UI tests. Earlier arguments are ignored, so a caller may put its own words before the URL.
#
# Environment:
#   PORTCULLIS_BROWSER_LOG      append Chromium's standard error to this file (default: discarded)
#   PORTCULLIS_BROWSER_TIMEOUT  seconds before Chromium is killed (default 60)
#   PORTCULLIS_CHROMIUM         the Chromium binary (default: chromium on PATH, Debian's package)
# Exit status: Chromium's (124 when it timed out), 127 when Chromium is missing, 2 without a URL.
set -u

[ "$#" -ge 1 ] || { echo "usage: headless-browser.sh [ignored…] URL" >&2; exit 2; }
for url in "$@"; do :; done

chromium=${PORTCULLIS_CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "headless-browser.sh: '$chromium' is not installed (Debian package: chromium)" >&2
    exit 127
fi

# Chromium leaves files in TMPDIR: give it a scratch directory of its own, with the profile inside it.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-browser.XXXXXXXX") || exit 1
profile=$scratch/profile
mkdir -p "$profile" "$scratch/tmp"
log=${PORTCULLIS_BROWSER_LOG:-/dev/null}

cleanup() {
    # Right after Chromium exits, its helpers may still be writing into the profile (rm then fails with ENOTEMPTY).
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        rm -rf "$scratch" 2>/dev/null
        [ -e "$scratch" ] || return 0
        sleep 0.2
    done
}
child=
# Stopped (QProcess::terminate, Ctrl-C): pass the signal on to timeout, which passes it to Chromium's process group.
stop() {
    [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
    exit "$1"
}
trap cleanup EXIT
trap 'stop 143' TERM
trap 'stop 130' INT

# --kill-after: Chromium gets 5 s to end after the TERM of the timeout, then it is killed.
TMPDIR=$scratch/tmp timeout --kill-after=5 "${PORTCULLIS_BROWSER_TIMEOUT:-60}" "$chromium" \
    --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --disable-quic --disable-extensions --user-data-dir="$profile" \
    --dump-dom "$url" >/dev/null 2>>"$log" &
child=$!
# Waiting on a background job lets the traps run at once instead of after Chromium exits.
wait "$child"
