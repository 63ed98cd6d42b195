#!/usr/bin/env bash
# --probe: exit 0 when a tier works, names this host's tier and why.
. tests/host/lib.sh
need_root

"$PTCOPY" --probe -j > "$WORK/probe.json" || fail "ptcopy --probe -j exited $?"
chosen=$(jq -r .chosen "$WORK/probe.json")
# This host: stock kernel, fentry refused, no kprobes (ENVIRONMENT.md); the
# answer must agree with what the kernel says of itself.
if grep -q ' copy_pte_pass_start$' /proc/kallsyms 2>/dev/null || [ -d /sys/kernel/tracing/events/copy_pte ]; then
	want=patched
elif [ -e /sys/bus/event_source/devices/kprobe ]; then
	want=$chosen	# fentry or kprobe: covered by the VM tests
else
	want=tracepoint
fi
[ "$chosen" = "$want" ] || fail "--probe chose $chosen, expected $want"
[ "$(jq -r .tiers.tracepoint.available "$WORK/probe.json")" = true ] || fail "tracepoint tier unavailable"
[ "$(jq -r .privileged "$WORK/probe.json")" = true ] || fail "not privileged as root?"
why=$(python3 tests/include/json_validate.py "$BUILD/doc/ptcopy.schema.json" probe "$WORK/probe.json") ||
	fail "--probe -j does not match the schema: $why"
# cond_resched counts: per available tier, counted or absent with the why
# (null, not a guess, for an unavailable tier), the chosen one's as the
# text says it; the tracepoint tier never sees cond_resched()
jq -e '.tiers | to_entries | all(.value | if .available
	then (.cond_resched == true and .why_cond_resched == null) or
	     (.cond_resched == false and (.why_cond_resched | type) == "string")
	else .cond_resched == null and .why_cond_resched == null end)' "$WORK/probe.json" > /dev/null ||
	fail "--probe -j: cond_resched per tier inconsistent: $(jq -c .tiers "$WORK/probe.json")"
[ "$(jq -r .tiers.tracepoint.cond_resched "$WORK/probe.json")" = false ] ||
	fail "--probe -j: tier tracepoint counts cond_resched: $(jq -c .tiers.tracepoint "$WORK/probe.json")"
text=$("$PTCOPY" --probe | sed -n 's/^cond_resched counts *//p')
json=$(jq -r --arg t "$chosen" '.tiers[$t] | if .cond_resched then "measured" else "absent: \(.why_cond_resched)" end' "$WORK/probe.json")
[ "$text" = "$json" ] || fail "--probe: cond_resched counts '$text' in the text, '$json' in the JSON"
# The chosen tier's attach points, from its programs loaded by --probe
if [ "$chosen" = tracepoint ]; then
	for t in mmap_lock_start_locking mmap_lock_acquire_returned mmap_lock_released; do
		jq -e --arg t "$t" '.attach | map(.target) | index($t)' "$WORK/probe.json" > /dev/null ||
			fail "--probe attach points lack $t: $(jq -c .attach "$WORK/probe.json")"
	done
	# nothing on every system call or every context switch of the host
	! jq -e '.attach | map(.target) | map(select(startswith("syscalls/") or . == "sched_switch")) | length > 0' \
		"$WORK/probe.json" > /dev/null || fail "--probe attaches to syscalls or sched_switch: $(jq -c .attach "$WORK/probe.json")"
fi
[ "$(jq -r '.attach | length' "$WORK/probe.json")" -gt 0 ] || fail "--probe lists no attach points"
"$PTCOPY" --probe > "$WORK/probe.txt"
grep -q "^attach points" "$WORK/probe.txt" || fail "text --probe lists no attach points: $(cat "$WORK/probe.txt")"
grep -q "^chosen *$chosen" "$WORK/probe.txt" || fail "text --probe does not name $chosen: $(cat "$WORK/probe.txt")"
# --vmas: how copy_page_range() would be probed, or why it cannot
if [ "$(jq -r .fentry "$WORK/probe.json")" = false ] && [ "$(jq -r .kprobe "$WORK/probe.json")" = false ]; then
	[ "$(jq -r .vmas "$WORK/probe.json")" = null ] || fail "--probe: vmas $(jq -r .vmas "$WORK/probe.json") without fentry or kprobes"
	[ "$(jq -r .why_vmas "$WORK/probe.json")" = "copy_page_range() cannot be probed: neither fentry nor kprobes work here" ] ||
		fail "--probe: why_vmas '$(jq -r .why_vmas "$WORK/probe.json")'"
	grep -q "^per mapping (--vmas)  no: copy_page_range() cannot be probed" "$WORK/probe.txt" ||
		fail "text --probe does not say why --vmas cannot run: $(grep vmas "$WORK/probe.txt")"
fi
no_progs_left "after --probe"

# Without CAP_SYSLOG, kallsyms shows every address as 0 (unless
# kptr_restrict is 0 and perf_event_paranoid <= 1): the inline tier's
# recogniser says so, not that the functions are missing.
if [ "$(cat /proc/sys/kernel/kptr_restrict)" != 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ]; then
	setpriv --bounding-set -syslog --inh-caps -syslog "$PTCOPY" --probe -j > "$WORK/nosyslog.json" ||
		fail "ptcopy --probe without CAP_SYSLOG exited $?"
	why=$(jq -r .inline.why "$WORK/nosyslog.json")
	case $why in
	*"hides kernel addresses"*"needs CAP_SYSLOG"*) ;;
	*) fail "--probe without CAP_SYSLOG: inline says \"$why\"" ;;
	esac
	[ "$(jq -r .chosen "$WORK/nosyslog.json")" = "$chosen" ] ||
		fail "--probe without CAP_SYSLOG chose $(jq -r .chosen "$WORK/nosyslog.json"), not $chosen"
fi

# --tier=tracepoint forces this tier and says so
start_ptcopy forced --tier=tracepoint
stop_ptcopy TERM
grep -q "with tier tracepoint (forced with --tier)" "$WORK/forced.out" || fail "forced tier not reported: $(cat "$WORK/forced.out")"
echo "probe chose $chosen"
