#!/bin/sh
# run-with-keyring.sh [--locked] COMMAND [ARGS...]
# Runs COMMAND inside a private D-Bus session with its own gnome-keyring (Secret Service), so keychain tests never
# touch the user's keyring and need no desktop. HOME and the XDG folders point into a throw-away directory that is
# removed afterwards; DISPLAY is unset so that a stray unlock prompt fails at once instead of waiting for a click.
#   default     the keyring is unlocked with $KEYRING_PASSWORD (must be non-empty; an empty one makes the daemon
#               prompt, which fails without a display, and the login collection is never created)
#   --locked    the daemon runs but is never unlocked: it has no login collection, so writes fail
# The command sees PORTCULLIS_TEST_KEYRING=unlocked or locked. Missing tools are an error, not a skip.
set -eu

mode=unlocked
if [ "${1:-}" = "--locked" ]; then
    mode=locked
    shift
fi
if [ "$#" -eq 0 ]; then
    echo "usage: run-with-keyring.sh [--locked] COMMAND [ARGS...]" >&2
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

scratch=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-keyring-XXXXXX")
trap 'rm -rf "$scratch"' EXIT HUP INT TERM
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$scratch" "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
export KEYRING_PASSWORD PORTCULLIS_TEST_KEYRING="$mode"

# Not exec: the trap above removes the scratch directory once the session has ended.
status=0
dbus-run-session -- sh -c '
    if [ "$PORTCULLIS_TEST_KEYRING" = unlocked ]; then
        eval "$(printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
    else
        eval "$(gnome-keyring-daemon --start --components=secrets)"
    fi
    export GNOME_KEYRING_CONTROL
    unset KEYRING_PASSWORD
    exec "$@"' sh "$@" || status=$?
exit "$status"
