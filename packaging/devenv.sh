#!/bin/sh
# The README's two commands, for a fresh Debian 12 machine (as root, or as a user with sudo):
#   sh packaging/devenv.sh run    install what is missing, build, launch the console
#   sh packaging/devenv.sh test   install what is missing, build, run the whole test suite
# Also: `deps` (install only) and `build`. Extra CMake arguments come from $PORTCULLIS_CMAKE_ARGS
# (.ci/run passes -DPORTCULLIS_WERROR=ON); the build tree is $PORTCULLIS_BUILD_DIR (default: build/).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${PORTCULLIS_BUILD_DIR:-$root/build}
package_list=$root/packaging/debian-packages.txt

say() { printf '==> %s\n' "$*"; }
die() { printf 'devenv: %s\n' "$*" >&2; exit 1; }

install_missing() {
    command -v dpkg-query >/dev/null 2>&1 || die "this script needs Debian 12 (dpkg-query not found)"
    missing=""
    # A line is "package" or "package command": with a command, the package counts as present when the command
    # is on PATH (Node.js from another source bundles npm, and the Debian npm package would conflict with it).
    while read -r package command _; do
        [ -n "$package" ] || continue
        if [ -n "${command:-}" ] && command -v "$command" >/dev/null 2>&1; then
            continue
        fi
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        case "$status" in
            *"install ok installed"*) ;;
            *) missing="$missing $package" ;;
        esac
    done <<EOF_LIST
$(sed -e 's/#.*//' "$package_list")
EOF_LIST
    [ -n "$missing" ] || return 0
    say "installing missing Debian packages:$missing"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        die "these packages are missing and you are not root and have no sudo:$missing"
    fi
    # shellcheck disable=SC2086
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

build() {
    say "configuring and building in $build_dir"
    # shellcheck disable=SC2086
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${PORTCULLIS_CMAKE_ARGS:-}
    cmake --build "$build_dir" --parallel "$(nproc)"
}

case "${1:-}" in
    deps)
        install_missing
        ;;
    build)
        install_missing
        build
        ;;
    run)
        install_missing
        build
        say "launching $build_dir/bin/portcullis"
        exec "$build_dir/bin/portcullis"
        ;;
    test)
        install_missing
        build
        say "running the test suite"
        cd "$build_dir"
        exec ctest --output-on-failure --parallel "$(nproc)" --timeout 900
        ;;
    *)
        die "usage: sh packaging/devenv.sh run|test|build|deps"
        ;;
esac
