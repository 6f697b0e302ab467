#!/bin/sh
# run-with-keyring.sh [--locked | --no-keyring] COMMAND [ARGS...]
# Runs COMMAND inside a private D-Bus session with its own gnome-keyring (Secret Service), so keychain tests never
# touch the user's keyring and need no desktop. HOME and the XDG folders point into a throw-away directory that is
# removed afterwards; DISPLAY is unset so that a stray unlock prompt fails at once instead of waiting for a click.
#   (default)     the keyring is unlocked with $KEYRING_PASSWORD (must be non-empty; an empty one makes the daemon
#                 prompt, which fails without a display, and the login collection is never created)
#   --locked      the daemon runs but is never unlocked: it has no login collection, so writes fail
#   --no-keyring  the session bus only: no daemon is started (the command may own the Secret Service name itself)
# The command sees PORTCULLIS_TEST_KEYRING=unlocked, locked or absent. Missing tools are an error, not a skip.
set -eu

mode=unlocked
case "${1:-}" in
    --locked) mode=locked; shift ;;
    --no-keyring) mode=absent; shift ;;
esac
if [ "$#" -eq 0 ]; then
    echo "usage: run-with-keyring.sh [--locked | --no-keyring] COMMAND [ARGS...]" >&2
    exit 2
fi

missing=""
command -v dbus-run-session >/dev/null 2>&1 || missing="$missing dbus-run-session (Debian package dbus-bin)"
command -v dbus-daemon >/dev/null 2>&1 || missing="$missing dbus-daemon (Debian package dbus-daemon)"
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing="$missing gnome-keyring-daemon (Debian package gnome-keyring)"
# QtKeychain loads libsecret at run time; without it every call fails with "Unknown error".
if command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q 'libsecret-1\.so\.0'; then
    missing="$missing libsecret-1.so.0 (Debian package libsecret-1-0)"
fi
if [ -n "$missing" ]; then
    echo "run-with-keyring.sh: cannot run keychain tests, missing:$missing." >&2
    echo "Install them with: apt-get install dbus dbus-bin dbus-daemon gnome-keyring libsecret-1-0" >&2
    exit 1
fi

KEYRING_PASSWORD=${KEYRING_PASSWORD:-portcullis-test-keyring}
if [ -z "$KEYRING_PASSWORD" ]; then
    echo "run-with-keyring.sh: KEYRING_PASSWORD must not be empty" >&2
    exit 1
fi

# gnome-keyring-daemon detaches from the session; it usually exits when the bus goes away, but not if the session
# ended while it was still starting. Stop whatever still runs with this session's XDG_RUNTIME_DIR, then clean up.
# shellcheck disable=SC2317 # called from the EXIT trap
stop_leftovers() {
    pids=$(env -u XDG_RUNTIME_DIR grep -lzxF "XDG_RUNTIME_DIR=$scratch/run" /proc/[0-9]*/environ 2>/dev/null |
        sed -e 's|^/proc/||' -e 's|/environ$||' | grep -vx "$$" || true)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=""
        for pid in $pids; do
            # A zombie counts as gone: it waits for init to reap it.
            grep -qs '^State:[[:space:]]*[^Z[:space:]]' "/proc/$pid/status" && alive="$alive $pid"
        done
        [ -n "$alive" ] || return 0
        sleep 0.1
    done
}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-keyring-XXXXXX")
trap 'stop_leftovers; rm -rf "$scratch"' EXIT
trap 'exit 130' HUP INT TERM
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$scratch" "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
export KEYRING_PASSWORD PORTCULLIS_TEST_KEYRING="$mode"

# Not exec: the trap above removes the scratch directory once the session has ended.
status=0
# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- sh -c '
    case "$PORTCULLIS_TEST_KEYRING" in
        unlocked) eval "$(printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)" ;;
        locked) eval "$(gnome-keyring-daemon --start --components=secrets)" ;;
    esac
    export GNOME_KEYRING_CONTROL
    unset KEYRING_PASSWORD
    exec "$@"' sh "$@" || status=$?
exit "$status"
