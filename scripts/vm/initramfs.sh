#!/usr/bin/env bash
# Build the test VM's initramfs: busybox-static, our init, every binary in
# build/static/, and the test suites with the shared guest library: all of
# them (a suite may run another's guest scripts, as precise does), after
# checking that the selected ones exist.
#
# usage: scripts/vm/initramfs.sh [-a x86|arm64] OUT.cpio SUITE...
#   -a  the guest's architecture (default: this machine's): its busybox
#       (scripts/vm/busybox.sh) and its static binaries (make ARCH=arm64
#       static puts them in build/arm64/static/)
#
# Layout in the guest:
#   /init                 scripts/vm/init
#   /bin/busybox          applets are linked at boot
#   /opt/ptcopy/bin/      build/static/* or build/<arch>/static/* (first in PATH)
#   /opt/ptcopy/share/    scripts/systemd/ptcopy_exporter.service (the unit
#                         whose view tests/vm/lib/unit-sandbox.sh emulates)
#   /tests/lib/           tests/vm/lib/ (guest.sh and friends)
#   /tests/<suite>/       tests/vm/<suite>/ (every suite)
# The archive is an uncompressed newc cpio: the kernel unpacks it without a
# decompressor, and at a few MB it is not worth compressing.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
arch=
if [ "${1:-}" = -a ]; then
	arch=${2:-}
	shift 2 || true
fi
[ $# -ge 1 ] || { echo "usage: $0 [-a x86|arm64] OUT.cpio SUITE..." >&2; exit 2; }
out=$1
shift

busybox=$("$top/scripts/vm/busybox.sh" $arch) || exit 1
# The Makefile's OUTPUT: build/ for this machine, build/<arch>/ for another
static=$top/build/static
case $(uname -m) in x86_64) host=x86 ;; aarch64) host=arm64 ;; *) host= ;; esac
[ -z "$arch" ] || [ "$arch" = "$host" ] || static=$top/build/$arch/static

stage=$(mktemp -d "${TMPDIR:-/tmp}/ptcopy-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/opt/ptcopy/bin" "$stage/tests" \
	"$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
# The kernel opens /dev/console for init before anything is mounted
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null ||
	echo "initramfs: cannot mknod /dev/console (not root?): the guest init starts without a console" >&2
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$top/scripts/vm/init" "$stage/init"
chmod 755 "$stage/init"

for f in "$static"/*; do
	[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$stage/opt/ptcopy/bin/"
done
mkdir -p "$stage/opt/ptcopy/share"
cp "$top/scripts/systemd/ptcopy_exporter.service" "$stage/opt/ptcopy/share/"
cp -r "$top/tests/vm/lib" "$stage/tests/lib"
for s in "$@"; do
	[ -d "$top/tests/vm/$s/guest" ] || { echo "initramfs: no suite tests/vm/$s/guest" >&2; exit 1; }
done
for d in "$top"/tests/vm/*/guest; do
	s=$(basename "$(dirname "$d")")
	cp -r "$top/tests/vm/$s" "$stage/tests/$s"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner 0:0 --reproducible) > "$out.tmp"
mv "$out.tmp" "$out"
