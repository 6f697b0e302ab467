#!/bin/sh
# Usage: check-deb.sh BUILD_DIR APP_ID
# Builds the Debian package from BUILD_DIR, unpacks it into a temporary root and checks the installed files,
# the package's dependencies, and the desktop entry and AppStream metadata with their validators.
set -eu
build=$1
app_id=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

if ! (cd "$build" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1; then
    cat "$work/cpack.log"
    echo "FAIL: cpack could not build the package"
    exit 1
fi
deb=$(ls "$work"/out/portcullis_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { cat "$work/cpack.log"; echo "FAIL: no portcullis_*.deb produced"; exit 1; }
pass "built $(basename "$deb")"

dpkg-deb -x "$deb" "$work/root"
root=$work/root

for file in usr/bin/portcullis usr/bin/portcullis-cli \
    "usr/share/applications/$app_id.desktop" "usr/share/metainfo/$app_id.metainfo.xml" \
    "usr/share/icons/hicolor/scalable/apps/$app_id.svg"; do
    if [ -f "$root/$file" ]; then pass "installs /$file"; else fail "missing /$file"; fi
done
for size in 16 24 32 48 64 128 256 512; do
    png="$root/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png"
    if [ -f "$png" ] && file "$png" | grep -q "PNG image data, $size x $size"; then
        pass "icon ${size}x${size}"
    else
        fail "icon ${size}x${size} missing or not a ${size}x${size} PNG"
    fi
done
for exe in portcullis portcullis-cli; do
    if [ -x "$root/usr/bin/$exe" ]; then pass "/usr/bin/$exe is executable"; else fail "/usr/bin/$exe not executable"; fi
done
stray=$(cd "$root" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$stray" ] && pass "everything under /usr" || fail "files outside /usr: $stray"

depends=$(dpkg-deb -f "$deb" Depends)
printf 'Depends: %s\n' "$depends"
# Every shared library the binaries load must come from a package named in Depends.
for exe in portcullis portcullis-cli; do
    for soname in $(objdump -p "$root/usr/bin/$exe" | awk '/NEEDED/ {print $2}'); do
        # The library the dynamic loader actually picks, then the package that owns that file.
        path=$(ldd "$root/usr/bin/$exe" | awk -v lib="$soname" '$1 == lib {print $3} $1 ~ ("/" lib "$") {print $1}' | head -n 1)
        if [ -z "$path" ]; then
            fail "$exe needs $soname, which the dynamic loader does not find"
            continue
        fi
        package=""
        for candidate in "$path" "$(readlink -f "$path")" "/usr$path"; do
            [ -n "$candidate" ] || continue
            package=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1)
            [ -n "$package" ] && break
        done
        if [ -z "$package" ]; then
            fail "$exe needs $soname, which no installed package provides"
            continue
        fi
        case ", $depends" in
            *", $package "* | *", $package,"* | *", $package") pass "$exe: $soname from $package" ;;
            *) fail "$exe needs $soname from $package, which Depends does not name" ;;
        esac
    done
done
# Plugins loaded at run time are not seen by dpkg-shlibdeps.
case "$depends" in
    *libqt6svg6*) pass "depends on libqt6svg6 (SVG icon engine)" ;;
    *) fail "Depends lacks libqt6svg6" ;;
esac
[ "$(dpkg-deb -f "$deb" Package)" = portcullis ] && pass "package name" || fail "package name"

version=$("$root/usr/bin/portcullis-cli" --version) && pass "installed CLI runs: $version" || fail "installed CLI does not run"

if command -v desktop-file-validate >/dev/null 2>&1; then
    out=$(desktop-file-validate "$root/usr/share/applications/$app_id.desktop" 2>&1) && status=0 || status=$?
    printf '%s\n' "$out"
    if [ "$status" -eq 0 ] && ! printf '%s' "$out" | grep -qE 'error:|warning:'; then
        pass "desktop-file-validate"
    else
        fail "desktop-file-validate reported problems"
    fi
else
    echo "SKIP: desktop-file-validate not installed"
fi
if command -v appstreamcli >/dev/null 2>&1; then
    if appstreamcli validate --no-net "$root/usr/share/metainfo/$app_id.metainfo.xml"; then
        pass "appstreamcli validate"
    else
        fail "appstreamcli validate"
    fi
else
    echo "SKIP: appstreamcli not installed"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all package checks passed"
