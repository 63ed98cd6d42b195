#!/usr/bin/env bash
# A statically linked busybox for the test VM's architecture; prints its path.
#
# usage: scripts/vm/busybox.sh [x86|arm64]   (default: this machine's)
#
# This machine's is busybox-static's /bin/busybox. Another architecture's
# cannot be installed beside it (busybox-static is not multi-arch
# co-installable: busybox-static:arm64 would replace the amd64 package), so
# the package is fetched with apt-get download and unpacked into
# $PTCOPY_CACHE/busybox/<package>_<version>_<arch>/ (default
# /var/cache/ptcopy), kept across runs; the newest version apt knows, or
# the newest cached one when apt knows none (offline).
set -eu

case $(uname -m) in
x86_64) host=x86 ;;
aarch64) host=arm64 ;;
*) host=$(uname -m) ;;
esac
arch=${1:-$host}
# ELF e_machine: EM_X86_64 62, EM_AARCH64 183
case $arch in
x86) deb_arch=amd64 em=62 ;;
arm64) deb_arch=arm64 em=183 ;;
*) echo "usage: $0 [x86|arm64] (unknown architecture '$arch')" >&2; exit 2 ;;
esac
say() { echo "busybox $arch: $*" >&2; }
# is_arch FILE: an ELF executable for the architecture (busybox-static:arm64
# installed in place of the amd64 package would pass every other check)
is_arch() {
	[ "$(od -An -j18 -N2 -tu2 "$1" 2>/dev/null | tr -d ' ')" = "$em" ]
}

if [ "$arch" = "$host" ]; then
	b=$(command -v busybox || true)
	[ -n "$b" ] || { say "busybox not found (install busybox-static)"; exit 1; }
	# ldd fails on a static binary
	if ldd "$b" > /dev/null 2>&1; then
		say "$b is not statically linked (install busybox-static)"
		exit 1
	fi
	is_arch "$b" || { say "$b is not built for $arch (reinstall busybox-static:$deb_arch)"; exit 1; }
	echo "$b"
	exit 0
fi

cache=${PTCOPY_CACHE:-/var/cache/ptcopy}/busybox
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9
ver=$(apt-cache show --no-all-versions "busybox-static:$deb_arch" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
if [ -z "$ver" ]; then
	d=$(ls -d "$cache"/busybox-static_*_"$deb_arch" 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] || { say "apt knows no busybox-static:$deb_arch (dpkg --add-architecture $deb_arch; apt-get update) and none is cached"; exit 1; }
	say "apt knows no busybox-static:$deb_arch; using the cached $(basename "$d")"
	echo "$d/busybox"
	exit 0
fi
dir=$cache/busybox-static_${ver//:/%3a}_$deb_arch
if [ ! -x "$dir/busybox" ]; then
	work=$(mktemp -d "$cache/.fetch.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# apt drops its privileges to _apt for the download where it can write
	chmod 777 "$work"
	if ! (cd "$work" && apt-get -q -o DPkg::Lock::Timeout=900 download "busybox-static:$deb_arch=$ver") > "$work/download.log" 2>&1; then
		cat "$work/download.log" >&2
		say "apt-get download busybox-static:$deb_arch=$ver failed"
		exit 1
	fi
	dpkg-deb -x "$work"/*.deb "$work/root"
	mkdir -p "$work/out"
	cp "$work/root/bin/busybox" "$work/out/busybox"
	is_arch "$work/out/busybox" || { say "busybox-static:$deb_arch $ver is not built for $arch"; exit 1; }
	rm -rf "$dir"
	mv "$work/out" "$dir"
fi
echo "$dir/busybox"
