#!/usr/bin/env bash
# The benchmark under qemu TCG on Debian's distribution kernel
# (tests/vm/bench/guest, VARIANT=distro) and on the patched lab kernel
# (tier 1 and its bpftrace equivalent): scripts/bench/vm-report.sh turns
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
if [ "${VARIANT:-distro}" = patched ]; then
	configs="patched"
	bt_pairs="patched:bt-pass"
else
	configs="before after fentry kprobe tracepoint exporter"
	grep -q '^mode=full' "$out/info.txt" && configs="$configs fentry-mml"
	bt_pairs="tracepoint:bt-window fentry:bt-fentry kprobe:bt-kprobe"
fi
for c in $configs; do
	for p in getpid fault mmap pipe fork; do
		grep -Eq "^$c +$p +$num \[$num-$num\] +[0-9]+$" "$r" || fail "no $c $p ratio in the report"
		grep -Eq "^(PASS|MISS)  $c $p traced/untraced <= 1.01 " "$r" || fail "no $c $p target"
	done
done
# every ptcopy tier next to its bpftrace equivalent, which ran and attached
for pair in $bt_pairs; do
	c=${pair%:*} b=${pair#*:}
	for p in getpid fault mmap pipe fork; do
		grep -Eq "^$b +$p +$num \[$num-$num\] +[0-9]+$" "$r" || fail "no $b $p ratio in the report"
		grep -Eq "^(PASS|MISS)  $c $p added cost <= 1/2 of $b's " "$r" || fail "no $c $p target against $b"
	done
	grep -Eq "^$b +$num \[$num-$num\]$" "$r" || fail "no attach time of $b"
done
# what bpftrace printed (its maps at every stop, window.bt a line per
# fork): each script saw the forks
if [ "${VARIANT:-distro}" = patched ]; then
	seen='^@passes\[ ^@hold_ns_max\['
else
	seen='^@calls\[ ^@call_ns_sum\[ ^fork.pid=[0-9]+.comm=forkload.window_ns=[1-9]'
fi
for m in $seen; do
	grep -Eq "$m" "$out/tracers.log" || fail "bpftrace printed no $m (tracers.log): the forks went unseen"
done
if [ "${VARIANT:-distro}" != patched ]; then
	grep -Eq "^(PASS|MISS)  inline tier fork latency traced/untraced <= 1.02 \(issue 12\)" "$r" ||
		fail "no inline-tier fork latency target"
	# the mmap_lock frame's programs run on every page fault of the pass
	grep -Eq "^mmap_lock +ptcopy_mml_start_(btf|raw) +[0-9]+ +[0-9]+$" "$r" ||
		fail "no per-program line for the mmap_lock frame's start handler"
	grep -Eq "^(fentry +ptcopy_[a-z_]+ +[0-9]+ +[0-9]+|fentry +\(no program of it ran\))$" "$r" ||
		fail "no per-program line for the fentry frame"
fi
grep -Eq "^targets missed: [0-9]+$" "$r" || fail "no target summary"
grep -Eq "^of them with the bound inside their rounds' range \(not decided by this run\): [0-9]+$" "$r" ||
	fail "no count of the MISSes that this run's spread cannot decide"
while IFS= read -r line; do
	observed "$line"
done < "$r"
finish
