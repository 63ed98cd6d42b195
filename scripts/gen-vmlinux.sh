#!/usr/bin/env bash
# Regenerate bpf/vmlinux/<arch>/vmlinux.h from a kernel's BTF and record where it
# came from. CO-RE relocates every field access at load time, so one header per
# architecture serves every kernel; it only needs to contain the types we name.
#
# usage: scripts/gen-vmlinux.sh [BTF_FILE]   (default: /sys/kernel/btf/vmlinux)
set -eu

btf=${1:-/sys/kernel/btf/vmlinux}
top=$(cd "$(dirname "$0")/.." && pwd)
case $(uname -m) in
x86_64) arch=x86 ;;
aarch64) arch=arm64 ;;
*) echo "gen-vmlinux: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

[ -r "$btf" ] || { echo "gen-vmlinux: cannot read BTF file $btf" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found (run scripts/install-deps.sh)" >&2; exit 1; }

out=$top/bpf/vmlinux/$arch
mkdir -p "$out"
bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
{
	echo "btf_file: $btf"
	[ "$btf" = /sys/kernel/btf/vmlinux ] && echo "kernel: $(uname -r) $(uname -v)"
	echo "btf_sha256: $(sha256sum < "$btf" | cut -d' ' -f1)"
	echo "bpftool: $(bpftool version | head -1)"
	echo "generated: $(date -u +%Y-%m-%d)"
} > "$out/SOURCE"
echo "wrote $out/vmlinux.h ($(wc -l < "$out/vmlinux.h") lines), source recorded in $out/SOURCE"
