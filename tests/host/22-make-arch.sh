#!/usr/bin/env bash
# make ARCH=: an unknown architecture stops the build with one line naming
# it; ARCH=arm64 cross-builds into build/arm64/ (make test's build-arm64
# phase, or here if it has not run) aarch64 tools and static binaries, and
# BPF objects whose CO-RE accesses are arm64's: the window reads the
# syscall number from pt_regs.syscallno (x86: orig_ax), the inline tier's
# retry site the flags from pstate (x86: flags).
# host-san: no (tests the build, not the binaries)
. tests/host/lib.sh

rc=0
make --no-print-directory ARCH=riscv > "$WORK/riscv.out" 2> "$WORK/riscv.err" || rc=$?
[ "$rc" -ne 0 ] || fail "make ARCH=riscv succeeded"
[ "$(wc -l < "$WORK/riscv.err")" -eq 1 ] || fail "make ARCH=riscv: not one line on stderr: $(cat "$WORK/riscv.err")"
grep -q 'ARCH=riscv is not supported: ptcopy builds for x86 and arm64' "$WORK/riscv.err" ||
	fail "make ARCH=riscv: $(cat "$WORK/riscv.err")"
[ ! -s "$WORK/riscv.out" ] || fail "make ARCH=riscv built something: $(head -n 3 "$WORK/riscv.out")"

arm=build/arm64
make --no-print-directory -s ARCH=arm64 all static > "$WORK/arm64.log" 2>&1 ||
	fail "make ARCH=arm64 all static: $(tail -n 5 "$WORK/arm64.log")"
for b in ptcopy ptcopy_exporter forkload; do
	readelf -h "$arm/$b" | grep -q 'Machine: *AArch64' || fail "$arm/$b is no AArch64 executable"
done
n=0
for b in "$arm"/static/*; do
	readelf -h "$b" | grep -q 'Machine: *AArch64' || fail "$b is no AArch64 executable"
	readelf -l "$b" | grep -q 'INTERP' && fail "$b is not statically linked"
	n=$((n + 1))
done
[ $n -ge 3 ] || fail "only $n static binaries in $arm/static"

# member OBJ NAME: OBJ's BTF has a struct member NAME (a CO-RE access)
member() {
	bpftool btf dump file "$1" | grep -q "^	'$2' type_id="
}
for o in window:syscallno:orig_ax inline:pstate:flags; do
	IFS=: read -r obj arm_reg x86_reg <<< "$o"
	member "$arm/bpf/$obj.bpf.o" "$arm_reg" || fail "arm64 $obj.bpf.o does not read pt_regs.$arm_reg"
	member "$BUILD/bpf/$obj.bpf.o" "$x86_reg" || fail "x86 $obj.bpf.o does not read pt_regs.$x86_reg"
	! member "$BUILD/bpf/$obj.bpf.o" "$arm_reg" || fail "x86 $obj.bpf.o reads arm64's pt_regs.$arm_reg"
done
! member "$arm/bpf/window.bpf.o" orig_ax || fail "arm64 window.bpf.o reads x86's pt_regs.orig_ax"
echo "ARCH=riscv refused in one line; ARCH=arm64: AArch64 tools and $n static binaries, BPF reading syscallno and pstate"
