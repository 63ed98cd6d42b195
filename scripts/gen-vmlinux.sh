#!/usr/bin/env bash
# Regenerate bpf/vmlinux/<arch>/vmlinux.h from a kernel's BTF and record where it
# came from. CO-RE relocates every field access at load time, so one header per
# architecture serves every kernel; it only needs to contain the types we name.
#
# usage: scripts/gen-vmlinux.sh [-a x86|arm64] [BTF_FILE|VMLINUZ]
#   -a        the architecture of the header (default: this machine's)
#   BTF_FILE  raw BTF (default for this machine's architecture:
#             /sys/kernel/btf/vmlinux)
#   VMLINUZ   a kernel boot image, gzipped or not: its BTF is cut out
#             (scripts/btf-from-image.py). Default for another
#             architecture: Debian's newest 6.1 distribution kernel of it
#             (scripts/vm/distro-kernel.sh), as bpf/vmlinux/arm64 was made.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
case $(uname -m) in
x86_64) host=x86 ;;
aarch64) host=arm64 ;;
*) host=$(uname -m) ;;
esac
arch=$host
if [ "${1:-}" = -a ]; then
	arch=${2:-}
	shift 2 || true
fi
case $arch in
x86|arm64) ;;
*) echo "gen-vmlinux: unsupported architecture '$arch' (x86, arm64)" >&2; exit 2 ;;
esac
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found (run scripts/install-deps.sh)" >&2; exit 1; }

src=${1:-}
origin=
if [ -z "$src" ]; then
	if [ "$arch" = "$host" ]; then
		src=/sys/kernel/btf/vmlinux
		origin="kernel: $(uname -r) $(uname -v)"
	else
		dir=$("$top/scripts/vm/distro-kernel.sh" -a "$arch" 6.1)
		src=$dir/vmlinuz
		origin="package: $(sed -n 's/^package=//p' "$dir/PACKAGE") $(sed -n 's/^version=//p' "$dir/PACKAGE")"
	fi
fi
[ -r "$src" ] || { echo "gen-vmlinux: cannot read $src" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# raw BTF starts with the magic 0xeB9F (little endian); anything else is an image
if [ "$(head -c 2 "$src" | od -An -tx1 | tr -d ' ')" = 9feb ]; then
	btf=$src
else
	btf=$tmp/btf
	"$top/scripts/btf-from-image.py" "$src" "$btf"
fi

out=$top/bpf/vmlinux/$arch
mkdir -p "$out"
bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
{
	echo "btf_file: $src"
	[ -z "$origin" ] || echo "$origin"
	echo "btf_sha256: $(sha256sum < "$btf" | cut -d' ' -f1)"
	echo "bpftool: $(bpftool version | head -1)"
	echo "generated: $(date -u +%Y-%m-%d)"
} > "$out/SOURCE"
echo "wrote $out/vmlinux.h ($(wc -l < "$out/vmlinux.h") lines), source recorded in $out/SOURCE"
