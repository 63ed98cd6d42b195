#!/usr/bin/env bash
# Build the test VM's initramfs: busybox-static, our init, every binary in
# build/static/, and the test suites with the shared guest library: all of
# them (a suite may run another's guest scripts, as precise does), after
# checking that the selected ones exist.
#
# usage: scripts/vm/initramfs.sh OUT.cpio SUITE...
#
# Layout in the guest:
#   /init                 scripts/vm/init
#   /bin/busybox          applets are linked at boot
#   /opt/ptcopy/bin/      build/static/* (first in PATH)
#   /tests/lib/           tests/vm/lib/ (guest.sh and friends)
#   /tests/<suite>/       tests/vm/<suite>/ (every suite)
# The archive is an uncompressed newc cpio: the kernel unpacks it without a
# decompressor, and at a few MB it is not worth compressing.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUT.cpio SUITE..." >&2; exit 2; }
out=$1
shift

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "initramfs: busybox not found (install busybox-static)" >&2; exit 1; }
# ldd fails on a static binary
if ldd "$busybox" > /dev/null 2>&1; then
	echo "initramfs: $busybox is not statically linked (install busybox-static)" >&2
	exit 1
fi

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

for f in "$top"/build/static/*; do
	[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$stage/opt/ptcopy/bin/"
done
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
