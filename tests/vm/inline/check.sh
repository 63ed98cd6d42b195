#!/usr/bin/env bash
# The inline tier's sites on a kernel without ptcopy's patch (Debian's
# distribution kernels: the `distro` variant), checked by the kernel's own
# tracer: tracefs kprobes at the sites `ptcopy --probe -v` printed fire in
# the order of a pass (inline.awk) during ptfork's forks, and
#   - per call: every pass takes both PTE locks and releases both, then
#     cond_resched returns; retries <= passes (a VMA that needs no copy
#     makes no pass);
#   - the calls over the 256 MiB mapping make exactly its PMD ranges (128)
#     of first passes; their lock hold (parent locked -> child's unlock
#     call) is at most the calls' duration, and the bulk of a pass: the
#     median pass holds the locks longer than it spends outside them
#     (medians: a busy host stalls a TCG guest's vCPU for milliseconds
#     now and then, in whichever part of a pass it is);
#   - with a CPU hog on the forking CPU, retry passes occur (lock-breaks);
#   - ptcopy chooses the inline tier by itself, and run during the same
#     forks as the tracefs kprobes, its per-fork passes, retries,
#     lock-breaks and cond_resched calls equal the trace's exactly, its hold
#     sum is at most the fork's copy_page_range time (guest/30-tier.sh);
#   - the kprobes ptcopy registers are optimized (jumps) where the
#     recogniser says they will be, which on these kernels is every site a
#     pass passes (guest/25-kprobes.sh);
#   - a second session beside the first recognises the text the first saved
#     (the live one holds the first one's kprobes) and counts the same.
#   - with no saved text, after a `--vmas --tier=kprobe` session put its
#     kprobe on copy_page_range's ftrace site, an inline session recognises
#     the live text and counts the first passes the first session did.
#   - in the shipped systemd unit's view of the kernel (emulated), --probe
#     chooses the same, and recognises the saved text with debugfs
#     read-only.
# Where the kernel has no inline sites (PREEMPT_RT 6.1) the guest said why;
# that is a pass only for the kernels known to lack them (INLINE_REFUSED_OK,
# a regexp on `uname -r`, default "-rt-").
set -eu
. "$(dirname "$0")/../lib/check.sh"
here=$(dirname "$0")

check_guest_scripts
if ! grep -q '^inline site ' "$out/probe.txt" 2>/dev/null; then
	why=$(cat "$out/inline.txt" 2>/dev/null || echo "no probe output")
	release=$(grep -m1 '^kernel' "$out/probe.txt" 2>/dev/null | awk '{ print $2 }')
	if [[ $release =~ ${INLINE_REFUSED_OK:--rt-} ]]; then
		observed "no inline sites on $release, as expected: $why"
	else
		fail "no inline sites on ${release:-?}: $why"
	fi
	finish
fi
observed "sites: $(awk '$1 == "inline" && $2 == "site" { printf "%s=%s ", $3, $4 }' "$out/probe.txt")"

# calls_of DIR: the per-call lines of DIR's trace
calls_of() {
	awk -f "$here/inline.awk" "$1/trace.txt"
}

check_calls() {
	local dir=$1 name=$2 calls bad
	calls=$(calls_of "$dir")
	[ -n "$calls" ] || { fail "$name: no copy_page_range calls in the trace"; return; }
	bad=$(echo "$calls" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		p = v["passes"]
		if (v["order_errors"] != 0 || v["locked"] != p || v["parent_unlock"] != p ||
		    v["unlock"] != p || v["resched"] != p || v["retries"] > p ||
		    v["hold_ns"] > v["dur_ns"] || v["ret"] != 0)
			print
	}')
	[ -z "$bad" ] || fail "$name: calls out of a pass's shape: $(echo "$bad" | head -n 3)"
	observed "$name: $(echo "$calls" | wc -l) calls, passes=$(echo "$calls" | grep -o 'passes=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)" \
		"retries=$(echo "$calls" | grep -o 'retries=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)"
}

# The calls over the mapping of fork I: first passes, hold and duration
check_mapping() {
	local dir=$1 i=$2 w=$1/workload.out start end ranges line n first hold wait rs dur hmed rmed
	start=$(value map_start "$w")
	end=$(value map_end "$w")
	ranges=$(value pmd_ranges "$w")
	line=$(calls_of "$dir" | awk -v f="$i" -v s="$start" -v e="$end" '
		function hex(x,   k, n) { n = 0; x = tolower(x); sub(/^0x/, "", x)
			for (k = 1; k <= length(x); k++) n = n * 16 + index("0123456789abcdef", substr(x, k, 1)) - 1
			return n }
		{ for (k = 2; k <= NF; k++) { split($k, kv, "="); v[kv[1]] = kv[2] } }
		v["fork"] == f && hex(v["vm_start"]) <= hex(s) && hex(v["vm_end"]) >= hex(e) {
			first += v["passes"] - v["retries"]; hold += v["hold_ns"]; wait += v["wait_ns"]
			rs += v["resched_ns"]; dur += v["dur_ns"]; n++
			if (v["passes"] > passes) { passes = v["passes"]; hmed = v["hold_med_ns"]; rmed = v["rest_med_ns"] } }
		END { printf "%d %d %d %d %d %d %d %d\n", n, first, hold, wait, rs, dur, hmed, rmed }')
	read -r n first hold wait rs dur hmed rmed <<< "$line"
	[ "$n" -ge 1 ] || { fail "fork $i: no call over the mapping $start-$end"; return; }
	[ "$first" = "$ranges" ] || fail "fork $i: $first first passes over the mapping, want $ranges (its PMD ranges)"
	[ "$hold" -le "$dur" ] || fail "fork $i: lock hold $hold ns > the calls' $dur ns"
	[ "$hmed" -gt "$rmed" ] ||
		fail "fork $i: the median pass holds the PTE locks $hmed ns, less than the $rmed ns it spends outside them"
	observed "fork $i: mapping $start-$end: calls=$n first passes=$first (PMD ranges $ranges)" \
		"hold=$((hold / 1000)) us wait=$((wait / 1000)) us of $((dur / 1000)) us in copy_page_range," \
		"$((rs / 1000)) us from the child's unlock to cond_resched's return;" \
		"median pass: hold $((hmed / 1000)) us, rest $((rmed / 1000)) us"
}

results "$out/workload.out" | grep -v 'ok=1 errno=0 exit=0$' | while read -r l; do fail "fork failed: $l"; done
check_calls "$out" "fork"
for i in 0 1; do
	check_mapping "$out" $i
done

if [ -f "$out/hog/trace.txt" ]; then
	check_calls "$out/hog" "hog"
	retries=$(calls_of "$out/hog" | grep -o 'retries=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
	[ "${retries:-0}" -gt 0 ] || fail "hog: no retry pass in 10 forks with a CPU hog"
else
	fail "hog: no trace"
fi
# The inline tier (guest/30-tier.sh): chosen by itself, and per fork its
# counts equal the trace's at the same sites; its hold sum is at most the
# fork's copy_page_range time in the trace.
# check_tier DIR FORKS EXTRA: EXTRA forks of ptfork before its markers (the hog)
check_tier() {
	local dir=$out/tier/$1 forks=$2 extra=$3 tier n i pt tr
	[ -f "$dir/ptcopy.json" ] || { fail "tier $1: ptcopy did not run"; return; }
	[ "$(cat "$dir/ptcopy.rc")" = 0 ] || fail "tier $1: ptcopy exited $(cat "$dir/ptcopy.rc"): $(tail -n 2 "$dir/ptcopy.err")"
	tier=$(jq -r 'select(.type == "summary") | .tier' "$dir/ptcopy.json" | tail -n 1)
	[ "$tier" = inline ] || { fail "tier $1: ptcopy chose tier '$tier', not inline"; return; }
	n=$(jq -c 'select(.type == "fork")' "$dir/ptcopy.json" | wc -l)
	[ "$n" = $((forks + extra)) ] || { fail "tier $1: $n fork events, want $((forks + extra))"; return; }
	for ((i = 0; i < forks; i++)); do
		pt=$(jq -s -r --argjson i $((i + extra)) '[.[] | select(.type == "fork")] | sort_by(.ts_ns) | .[$i] |
			"\(.passes) \(.retries) \(.lock_breaks) \(.resched_calls) \(.hold_ns_sum)"' "$dir/ptcopy.json")
		tr=$(calls_of "$dir" | awk -v f=$i '{
			for (k = 2; k <= NF; k++) { split($k, kv, "="); v[kv[1]] = kv[2] }
			if (v["fork"] != f) next
			p += v["passes"]; r += v["retries"]; s += v["resched"]; d += v["dur_ns"]
		} END { printf "%d %d %d %d %d\n", p, r, r, s, d }')
		read -r pp pr pl ps ph <<< "$pt"
		read -r tp trr tl ts td <<< "$tr"
		[ "$pp $pr $pl $ps" = "$tp $trr $tl $ts" ] ||
			fail "tier $1 fork $i: ptcopy passes/retries/lock_breaks/resched $pp/$pr/$pl/$ps, trace $tp/$trr/$tl/$ts"
		[ "$ph" -gt 0 ] && [ "$ph" -le "$td" ] ||
			fail "tier $1 fork $i: ptcopy hold sum $ph ns, not in (0, $td ns] of copy_page_range in the trace"
		observed "tier $1 fork $i: ptcopy passes=$pp retries=$pr lock_breaks=$pl resched=$ps" \
			"hold=$((ph / 1000)) us (trace: passes=$tp retries=$trr resched=$ts, copy_page_range $((td / 1000)) us)"
	done
	observed "tier $1: summary $(jq -c 'select(.type == "summary") | .total |
		{forks, passes, first_passes, retries, cond_resched, swap_cont, hold: .hold.sum_ns}' "$dir/ptcopy.json" | tail -n 1)"
}
verdict=$(grep -m1 '^tier inline ' "$out/probe.txt" | sed 's/^tier inline *//')
release=$(grep -m1 '^kernel' "$out/probe.txt" | awk '{ print $2 }')
if [ "$verdict" != available ]; then
	# sites found, tier refused: PREEMPT_RT's sleeping PTE locks
	if [[ $release =~ ${INLINE_REFUSED_OK:--rt-} ]]; then
		observed "tier inline on $release, as expected: $verdict"
	else
		fail "tier inline on $release: $verdict"
	fi
elif [ -d "$out/tier" ]; then
	check_tier plain 2 0
	check_tier hog 10 1
	hr=$(jq -r 'select(.type == "summary") | .total.retries.lock_break' "$out/tier/hog/ptcopy.json" 2>/dev/null | tail -n 1)
	[ "${hr:-0}" -gt 0 ] || fail "tier hog: no lock-break retry in ptcopy's summary"
else
	fail "tier: no output of guest/30-tier.sh"
fi

# The kernel's list of kprobes while ptcopy alone ran (guest/25-kprobes.sh):
# every site the tier probes is registered, each the recogniser marked
# [jump] is [OPTIMIZED], and on these kernels every site a pass passes is
# one (an int3 trap per pass is what made the tier cost 7-9% per fork);
# nothing is left registered after ptcopy exits.
check_kprobes() {
	local d=$out/kprobes name at mark line per_pass probed n=0
	[ -f "$d/list.txt" ] || { fail "kprobes: no list (guest/25-kprobes.sh)"; return; }
	[ "$(cat "$d/ptcopy.rc")" = 0 ] || fail "kprobes: ptcopy exited $(cat "$d/ptcopy.rc")"
	[ "$(cat "$d/optimization.txt")" = 1 ] || fail "kprobes: debug.kprobes-optimization is $(cat "$d/optimization.txt")"
	probed=" pass_start parent_locked hold_end resched_return resched_branch0 resched_branch1"
	probed="$probed resched_branch2 resched_branch3 join loop_exit swap_cont_return prealloc_return "
	per_pass=" pass_start parent_locked hold_end resched_return join "
	grep -q '^inline site  *join ' "$d/probe.txt" || { probed="$probed retry_jump "; per_pass="$per_pass retry_jump "; }
	while read -r _ _ name at mark _; do
		case $probed in *" $name "*) ;; *) continue ;; esac
		n=$((n + 1))
		line=$(awk -v a="$at" '$3 == a' "$d/list.txt")
		[ -n "$line" ] || { fail "kprobes: $name ($at) not in the kernel's list"; continue; }
		if [ "$mark" = "[jump]" ]; then
			echo "$line" | grep -q '\[OPTIMIZED\]' ||
				fail "kprobes: $name ($at) marked [jump] but the kernel has it as: $line"
		else
			case $per_pass in *" $name "*)
				fail "kprobes: $name ($at), passed once per pass, is an int3 site" ;;
			esac
		fi
		observed "kprobes: $name $at $mark -> $(echo "$line" | awk '{ $1 = ""; $2 = ""; $3 = ""; print }' | tr -s ' ')"
	done < <(grep '^inline site ' "$d/probe.txt")
	[ $n -ge 6 ] || fail "kprobes: only $n probed sites in probe.txt"
	if grep -q "$(awk '$1 == "inline" && $2 == "site" { split($4, f, "+"); print f[1] "+"; exit }' "$d/probe.txt")" \
		"$d/list-detached.txt"; then
		fail "kprobes: still registered after ptcopy exited: $(grep -c . "$d/list-detached.txt") lines"
	fi
}
# The second session (guest/25-kprobes.sh): it found the first one's
# kprobes in the live text, recognised the saved text instead, chose the
# inline tier, and counted the same forks as the first, pass for pass.
check_second() {
	local d=$out/kprobes a b
	grep -q '^inline sites .*(in the text saved in /run/ptcopy/inline-text' "$d/probe2.txt" ||
		{ fail "second session: not recognised in the saved text: $(grep '^inline sites' "$d/probe2.txt")"; return; }
	[ "$(cat "$d/ptcopy2.rc")" = 0 ] || fail "second session: ptcopy exited $(cat "$d/ptcopy2.rc")"
	[ "$(jq -r 'select(.type == "summary") | .tier' "$d/ptcopy2.json" | tail -n 1)" = inline ] ||
		fail "second session: not on tier inline"
	a=$(jq -s -c '[.[] | select(.type == "fork")] | sort_by(.ts_ns) | map([.passes, .retries, .lock_breaks, .resched_calls])' "$d/ptcopy.json")
	b=$(jq -s -c '[.[] | select(.type == "fork")] | sort_by(.ts_ns) | map([.passes, .retries, .lock_breaks, .resched_calls])' "$d/ptcopy2.json")
	[ "$a" != "[]" ] || fail "second session: the first saw no fork"
	[ "$a" = "$b" ] || fail "second session: forks [passes,retries,lock_breaks,resched] $b, the first's $a"
	observed "second session: $(grep '^inline sites' "$d/probe2.txt" | tr -s ' '); forks $b (first: $a)"
}
# After a --vmas --tier=kprobe session, with no saved text: the inline
# tier recognised the live text (its kprobe at copy_page_range's ftrace
# site in it), and both sessions traced the same forks, the inline one
# with the first passes the first session counted for its forks.
check_after_vmas() {
	local d=$out/kprobes a b v
	# the ftrace site: +0x0, or +0x4 after endbr64 (6.12's IBT)
	grep -Eq ' copy_page_range\+0x[04]( |$)' "$d/list-vmas.txt" ||
		fail "after --vmas: no kprobe at copy_page_range's ftrace site in the kernel's list: $(tr '\n' ' ' < "$d/list-vmas.txt")"
	grep -q '^inline sites  *copy_page_range at 0x[0-9a-f]*$' "$d/probe3.txt" ||
		{ fail "after --vmas: the live text not recognised: $(grep '^inline sites' "$d/probe3.txt")"; return; }
	[ "$(cat "$d/ptcopy3.rc")" = 0 ] || fail "after --vmas: the inline session exited $(cat "$d/ptcopy3.rc")"
	[ "$(cat "$d/vmas.rc")" = 0 ] || fail "after --vmas: the --vmas session exited $(cat "$d/vmas.rc")"
	[ "$(jq -r 'select(.type == "summary") | .tier' "$d/ptcopy3.json" | tail -n 1)" = inline ] ||
		fail "after --vmas: not on tier inline"
	a=$(jq -s -c '[.[] | select(.type == "fork")] | map(.passes - .retries)' "$d/ptcopy.json")
	b=$(jq -s -c '[.[] | select(.type == "fork")] | map(.passes - .retries)' "$d/ptcopy3.json")
	v=$(jq -s -c '[.[] | select(.type == "fork")] | length' "$d/vmas.json")
	[ "$b" != "[]" ] || fail "after --vmas: the inline session saw no fork"
	[ "$a" = "$b" ] || fail "after --vmas: first passes per fork $b, the first session's (same workload) $a"
	[ "$v" = "$(echo "$b" | jq length)" ] || fail "after --vmas: the --vmas session saw $v forks, the inline one $(echo "$b" | jq length)"
	observed "after --vmas --tier=kprobe: $(grep '^inline sites' "$d/probe3.txt" | tr -s ' '); first passes per fork $b; --vmas session $v forks"
}
# The shipped unit's view of this kernel (guest/25-kprobes.sh, emulated by
# tests/vm/lib/unit-sandbox.sh): --probe sees the same kernel and makes the
# same choice as outside, tier inline on the fentry frame; beside the first
# session, with debugfs read-only there, it recognises the saved text.
check_unit() {
	local d=$out/kprobes facts a b
	facts='[.why_ksyms, .sym_copy_page_range, .frame_fns, .inline.ok, .inline.func,
		.preempt_mode, .cond_resched_calls, .chosen, .frame] | @json'
	a=$(jq -r "$facts" "$d/probe.json" 2>/dev/null) b=$(jq -r "$facts" "$d/probe-unit.json" 2>/dev/null)
	[ -n "$b" ] || { fail "unit: no --probe -j from the unit's sandbox: $(head -c 300 "$d/probe-unit.err")"; return; }
	[ "$a" = "$b" ] || fail "unit: in the unit's sandbox --probe sees $b, outside $a"
	[ "$(jq -r '.chosen + " " + .frame' "$d/probe-unit.json")" = "inline fentry" ] ||
		fail "unit: the unit's sandbox chooses $(jq -r '.chosen + " on the " + .frame + " frame"' "$d/probe-unit.json")"
	case ",$(cat "$d/debugfs-unit.txt")," in
	*,ro,*) ;;
	*) fail "unit: debugfs is not read-only in the unit's sandbox: $(cat "$d/debugfs-unit.txt")" ;;
	esac
	grep -q '^inline sites .*(in the text saved in /run/ptcopy/inline-text' "$d/probe2-unit.txt" ||
		fail "unit: beside the first session, not recognised in the saved text: $(grep '^inline sites' "$d/probe2-unit.txt")"
	observed "unit's sandbox: $b; beside the first session: $(grep '^inline sites' "$d/probe2-unit.txt" | tr -s ' ')"
}
if [ "$verdict" = available ]; then
	check_kprobes
	check_second
	check_after_vmas
	check_unit
fi

for d in "$out" "$out/hog" "$out/tier/plain" "$out/tier/hog"; do
	[ -f "$d/trace-stats.txt" ] || continue
	! grep -q 'overrun: [1-9]' "$d/trace-stats.txt" || fail "$d: trace events lost: $(grep -o 'overrun: [0-9]*' "$d/trace-stats.txt" | tr '\n' ' ')"
done
finish
