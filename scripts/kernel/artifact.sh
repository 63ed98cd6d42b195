#!/usr/bin/env bash
# Print where the cached kernel of VERSION and VARIANT is or will be, and
# exit 0 only if it is there. Takes no lock: a built kernel never changes.
#
# usage: scripts/kernel/artifact.sh VERSION patched|unpatched
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 VERSION patched|unpatched" >&2; exit 2; }
check_kernel "$1"
dir=$(artifact_dir "$1" "$2")
echo "$dir"
[ -f "$dir/bzImage" ]
