#!/usr/bin/env bash
# The benchmark under qemu TCG on Debian's distribution kernel
# (tests/vm/bench/guest, VARIANT=distro): scripts/bench/vm-report.sh turns
# the guest's raw figures into the report (saved as report.txt and shown),
# and every figure and target line must be there. Nothing about speed is
# asserted: under TCG, on a shared machine, that is the report's to say
# (`make bench-vm` runs the full rounds).
set -eu
. "$(dirname "$0")/../lib/check.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)

check_guest_scripts
[ -s "$out/raw.txt" ] || { fail "the guest brought back no raw.txt"; finish; }
if ! "$top/scripts/bench/vm-report.sh" "$out" > "$out/report.txt" 2> "$out/report.err"; then
	fail "vm-report.sh failed: $(cat "$out/report.err")"
	finish
fi
r=$out/report.txt
num='[0-9][0-9.e+-]*'
configs="before after fentry kprobe tracepoint exporter"
grep -q '^mode=full' "$out/info.txt" && configs="$configs fentry-mml"
for c in $configs; do
	for p in getpid fault mmap pipe fork; do
		grep -Eq "^$c +$p +$num \[$num-$num\] +[0-9]+$" "$r" || fail "no $c $p ratio in the report"
		grep -Eq "^(PASS|MISS)  $c $p traced/untraced <= 1.01 " "$r" || fail "no $c $p target"
	done
done
grep -Eq "^(PASS|MISS)  inline tier fork latency traced/untraced <= 1.02 \(issue 12\)" "$r" ||
	fail "no inline-tier fork latency target"
# the mmap_lock frame's programs run on every page fault of the pass
grep -Eq "^mmap_lock +ptcopy_mml_start_(btf|raw) +[0-9]+ +[0-9]+$" "$r" ||
	fail "no per-program line for the mmap_lock frame's start handler"
grep -Eq "^(fentry +ptcopy_[a-z_]+ +[0-9]+ +[0-9]+|fentry +\(no program of it ran\))$" "$r" ||
	fail "no per-program line for the fentry frame"
grep -Eq "^targets missed: [0-9]+$" "$r" || fail "no target summary"
while IFS= read -r line; do
	observed "$line"
done < "$r"
finish
