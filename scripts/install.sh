#!/bin/sh
# Installs shiftlens into a prefix (docs/running.md#installing):
#
#     scripts/install.sh --prefix DIR [--binary PATH] [-- swift build options...]
#
# Builds the release binary with `swift build -c release --product shiftlens` (a no-op when it
# is up to date; options after `--` are passed on, e.g. `-- --static-swift-stdlib`), then copies
#
#     DIR/bin/shiftlens
#     DIR/share/shiftlens/assets/      (the repository's assets/)
#     DIR/share/shiftlens/templates/   (the repository's templates/)
#     DIR/share/shiftlens/build-info   (the checkout's commit, for `shiftlens --version`)
#
# The binary finds the share folder from its own path, so DIR/bin can be put on PATH, linked
# from elsewhere, or the whole DIR moved. --binary PATH installs an already built binary instead
# of building one. Files of an earlier install in DIR/share/shiftlens are replaced.
set -eu
usage="usage: scripts/install.sh --prefix DIR [--binary PATH] [-- swift build options...]"
prefix=
binary=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --binary) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; binary=$2; shift 2 ;;
        --binary=*) binary=${1#--binary=}; shift ;;
        --) shift; break ;;
        -h|--help) echo "$usage"; exit 0 ;;
        *) echo "scripts/install.sh: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
[ -n "$prefix" ] || { echo "scripts/install.sh: --prefix DIR is required" >&2; echo "$usage" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "$binary" ]; then
    (cd "$root" && swift build -c release --product shiftlens "$@" >&2)
    binary=$(cd "$root" && swift build -c release --product shiftlens "$@" --show-bin-path)/shiftlens
fi
[ -x "$binary" ] || { echo "scripts/install.sh: no executable at $binary" >&2; exit 1; }

mkdir -p "$prefix/bin" "$prefix/share/shiftlens"
share=$prefix/share/shiftlens
rm -rf "$share/assets" "$share/templates" "$share/build-info"
cp -R "$root/assets" "$share/assets"
cp -R "$root/templates" "$share/templates"
# What `shiftlens --version` reports as the build's commit: $SHIFTLENS_COMMIT when set (builds from a
# tarball or in a container, which have no .git), else the checkout's, "-dirty" with local changes.
commit=${SHIFTLENS_COMMIT:-unknown}
if [ -z "${SHIFTLENS_COMMIT:-}" ] && git -C "$root" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    commit=$(git -C "$root" rev-parse --short=12 HEAD)
    [ -z "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit=$commit-dirty
fi
printf 'commit=%s\n' "$commit" > "$share/build-info"
# Copy to a temporary name and rename, so a running shiftlens is never overwritten in place.
cp "$binary" "$prefix/bin/.shiftlens.new"
chmod 755 "$prefix/bin/.shiftlens.new"
mv -f "$prefix/bin/.shiftlens.new" "$prefix/bin/shiftlens"
echo "$prefix/bin/shiftlens"
echo "Installed shiftlens into $prefix (binary in bin/, assets and templates in share/shiftlens/)." >&2
