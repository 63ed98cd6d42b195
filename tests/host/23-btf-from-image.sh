#!/usr/bin/env bash
# scripts/btf-from-image.py, which cuts the kernel's BTF out of a boot image
# for bpf/vmlinux/arm64/vmlinux.h (scripts/gen-vmlinux.sh -a arm64), on
# exact synthetic images: this host's raw BTF (/sys/kernel/btf/vmlinux)
# between random bytes, after a smaller BTF blob (a BPF object's .BTF, as a
# module's would be), raw and gzipped like an arm64 vmlinuz: the output is
# the vmlinux BTF byte for byte. An image without BTF: exit 1, one line.
# host-san: no (tests a build script, not the binaries)
. tests/host/lib.sh

vmlinux_btf=/sys/kernel/btf/vmlinux
[ -r $vmlinux_btf ] || skip "no $vmlinux_btf on this kernel"
small=$WORK/small.btf
llvm-objcopy --dump-section .BTF="$small" "$BUILD/bpf/kread.bpf.o" "$WORK/kread.o" ||
	fail "cannot take .BTF out of $BUILD/bpf/kread.bpf.o"
[ "$(od -An -tx1 -N2 "$small" | tr -d ' ')" = 9feb ] || fail "$small is no BTF"

img=$WORK/Image
{
	head -c 65536 /dev/urandom
	cat "$small"
	head -c 4096 /dev/urandom
	cat $vmlinux_btf
	head -c 65536 /dev/urandom
} > "$img"
gzip -c "$img" > "$img.gz"
for f in "$img" "$img.gz"; do
	scripts/btf-from-image.py "$f" "$WORK/out.btf" || fail "btf-from-image.py $(basename "$f") failed"
	cmp -s "$WORK/out.btf" $vmlinux_btf ||
		fail "$(basename "$f"): $(stat -c %s "$WORK/out.btf") bytes out, not the $(stat -c %s $vmlinux_btf) of $vmlinux_btf"
done
bpftool btf dump file "$WORK/out.btf" format c > /dev/null || fail "bpftool does not read the BTF cut out"

head -c 65536 /dev/urandom > "$WORK/none"
rc=0
scripts/btf-from-image.py "$WORK/none" "$WORK/none.btf" 2> "$WORK/none.err" || rc=$?
[ $rc -eq 1 ] || fail "an image without BTF: exit $rc, want 1"
[ "$(wc -l < "$WORK/none.err")" -eq 1 ] && grep -q "no BTF in" "$WORK/none.err" ||
	fail "an image without BTF: $(cat "$WORK/none.err")"
[ ! -e "$WORK/none.btf" ] || fail "an image without BTF: an output file was written"
echo "the vmlinux BTF ($(stat -c %s $vmlinux_btf) bytes) cut out exactly from a raw and a gzipped image; none: refused"
