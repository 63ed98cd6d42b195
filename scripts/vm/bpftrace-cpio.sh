#!/usr/bin/env bash
# Build the initramfs addition that brings Debian's bpftrace into the test
# VM, for the benchmark suite only (tests/vm/bench compares ptcopy with the
# bpftrace programs of scripts/bench/bpftrace/). Debian's bpftrace is
# dynamically linked against libLLVM, libclang, libbcc and ~20 more
# libraries, ~210 MB in all: vmtest.sh appends this archive only to the
# boots that run the bench suite, so that no other suite's boot unpacks it.
#
# usage: scripts/vm/bpftrace-cpio.sh OUT.cpio
#
# Layout in the guest (a cpio appended after the main one: the kernel
# unpacks concatenated archives in order):
#   /usr/bin/bpftrace                   the host's binary, as packaged
#   /lib/x86_64-linux-gnu/, /lib64/     its ldd closure under the names
#                                       the dynamic loader looks for
#   /opt/ptcopy/bpftrace/*.bt           scripts/bench/bpftrace/
# OUT.cpio is rebuilt only when bpftrace, a library or a script changed.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUT.cpio" >&2; exit 2; }
out=$1
bt=$(command -v bpftrace || true)
[ -n "$bt" ] || { echo "bpftrace-cpio: bpftrace not found (install bpftrace)" >&2; exit 1; }

# "NAME PATH" for every library of the closure: ldd already resolves the
# whole closure, the loader included (its line has no "=>")
libs=$(ldd "$bt" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\// { print $1, $1 }')
[ -n "$libs" ] || { echo "bpftrace-cpio: ldd $bt listed no libraries" >&2; exit 1; }

if [ -s "$out" ]; then
	stale=0
	for f in "$bt" $(echo "$libs" | awk '{ print $2 }') "$top"/scripts/bench/bpftrace/*.bt "$0"; do
		[ "$f" -nt "$out" ] && stale=1
	done
	[ $stale -eq 0 ] && exit 0
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/ptcopy-bpftrace.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/bin" "$stage/lib/x86_64-linux-gnu" "$stage/lib64" "$stage/opt/ptcopy/bpftrace"
cp -L "$bt" "$stage/usr/bin/bpftrace"
echo "$libs" | while read -r name path; do
	case $name in
	/*) dest=$stage$name ;;	# the loader, by its absolute name
	*) dest=$stage/lib/x86_64-linux-gnu/$name ;;
	esac
	mkdir -p "$(dirname "$dest")"
	cp -L "$path" "$dest"
done
cp "$top"/scripts/bench/bpftrace/*.bt "$stage/opt/ptcopy/bpftrace/"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner 0:0 --reproducible) > "$out.tmp"
mv "$out.tmp" "$out"
