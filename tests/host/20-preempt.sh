#!/usr/bin/env bash
# --probe's preemption model is this kernel's: what the kernel itself shows
# in debugfs (sched/preempt), or, where debugfs refuses it (lockdown), what
# bpftrace reads of the cond_resched/might_resched static call trampolines.
# cond_resched counts are measurable exactly when cond_resched() calls
# __cond_resched. And this host is not PREEMPT_RT.
. tests/host/lib.sh
need_root

"$PTCOPY" --probe -j > "$WORK/probe.json" || fail "ptcopy --probe -j exited $?"
mode=$(jq -r .preempt_mode "$WORK/probe.json")
calls=$(jq -r .cond_resched_calls "$WORK/probe.json")
echo "ptcopy: preemption $mode, cond_resched calls __cond_resched: $calls"

# The kernel's own answer: debugfs, mounted here if it is not (ptcopy never mounts it).
want= how=
dbg=/sys/kernel/debug
if ! mountpoint -q "$dbg"; then
	mount -t debugfs none "$dbg" 2>/dev/null && trap 'umount "$dbg"; cleanup' EXIT
fi
if [ -r "$dbg/sched/preempt" ] && line=$(cat "$dbg/sched/preempt" 2>/dev/null); then
	want=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' <<< "$line")
	how="debugfs sched/preempt: $line"
fi

if [ -z "$want" ]; then
	# debugfs refused (lockdown: files that are not read-only for all);
	# a second reader of kernel memory: the x86 trampoline is jmp rel32
	# (e9) to the function the static call selects.
	[ "$(uname -m)" = x86_64 ] || skip "debugfs sched/preempt unreadable and no x86 trampoline to read"
	command -v bpftrace > /dev/null || skip "debugfs sched/preempt unreadable and no bpftrace"
	sym() { awk -v s="$1" '$3 == s { print $1; exit }' /proc/kallsyms; }
	cr=$(sym __cond_resched) sct=$(sym __SCT__cond_resched) mct=$(sym __SCT__might_resched)
	[ -n "$cr" ] && [ -n "$sct" ] && [ -n "$mct" ] ||
		skip "debugfs sched/preempt unreadable and not a PREEMPT_DYNAMIC x86 kernel"
	words=$(bpftrace -e "BEGIN { printf(\"%lx %lx\\n\", *(uint64 *)0x$sct, *(uint64 *)0x$mct); exit(); }" 2>/dev/null |
		grep -E '^[0-9a-f]+ [0-9a-f]+$' | tail -n 1)
	[ -n "$words" ] || fail "bpftrace read nothing at $sct and $mct"
	read -r wc wm <<< "$words"
	# target of "e9 rel32" at trampoline t, or "none" for anything else (ret)
	target() {
		local t=$1 w=$2 rel
		[ $((0x$w & 0xff)) -eq $((0xe9)) ] || { echo none; return; }
		rel=$(((0x$w >> 8) & 0xffffffff))
		[ "$rel" -lt $((0x80000000)) ] || rel=$((rel - 0x100000000))
		printf '%x\n' $((0x$t + 5 + rel))
	}
	tc=$(target "$sct" "$wc") tm=$(target "$mct" "$wm")
	if [ "$tc" != "$cr" ]; then
		want="full or lazy"
	elif [ "$tm" = "$cr" ]; then
		want=voluntary
	else
		want=none
	fi
	how="bpftrace: cond_resched -> $tc, might_resched -> $tm, __cond_resched at $cr (debugfs refused)"
fi
echo "kernel: $how"
case "$want" in
"full or lazy") [ "$mode" = full ] || [ "$mode" = lazy ] || [ "$mode" = "full or lazy" ] ;;
*) [ "$mode" = "$want" ] ;;
esac || fail "--probe says preemption $mode, the kernel says $want ($how)"
case "$want" in
none|voluntary) [ "$calls" = true ] || fail "cond_resched calls __cond_resched under $want, --probe says $calls" ;;
*) [ "$calls" = false ] || fail "cond_resched does not call __cond_resched under $want, --probe says $calls" ;;
esac
if uname -v | grep -q PREEMPT_DYNAMIC; then want_dyn=true; else want_dyn=false; fi
[ "$(jq -r .preempt_dynamic "$WORK/probe.json")" = "$want_dyn" ] ||
	fail "--probe says PREEMPT_DYNAMIC $(jq -r .preempt_dynamic "$WORK/probe.json"), uname -v: $(uname -v)"

# Not PREEMPT_RT: the kernel's version string says so too
rt=$(jq -r .preempt_rt "$WORK/probe.json")
if uname -v | grep -q PREEMPT_RT; then want_rt=true; else want_rt=false; fi
[ "$rt" = "$want_rt" ] || fail "--probe says PREEMPT_RT $rt, uname -v: $(uname -v)"
"$PTCOPY" --probe > "$WORK/probe.txt"
grep -q "^preemption  *$mode" "$WORK/probe.txt" || fail "text --probe does not name $mode: $(cat "$WORK/probe.txt")"
no_progs_left "after --probe"
echo "preemption $mode as the kernel says; PREEMPT_RT $rt"
