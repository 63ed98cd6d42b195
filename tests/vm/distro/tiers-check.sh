# The distro suite's checks of ptcopy's tiers and of the exporter, against
# the function tracer in the same run (bash; sourced by a checker after
# tests/vm/lib/check.sh, with its want, fact and cfg helpers defined):
#   check_tiers    the tiers the guest ran (tests/vm/distro/guest/20-tiers.sh)
#   exporter_tier  the tier the exporter and ptcopy ran on in 30-exporter.sh
# Used by tests/vm/distro (Debian's amd64 kernels) and tests/vm/arm64.

# --- Tiers
# pt DIR COMM JQ: ptcopy's final summary for COMM in DIR (null if none)
pt() {
	jq -s -r --arg c "$2" "map(select(.type == \"summary\")) | last |
		[.labels[]? | select(.comm == \$c)] | .[0] | $3" "$1/ptcopy.json"
}
# ptf DIR COMM JQ: JQ over ptcopy's per-fork records for COMM in DIR
ptf() {
	jq -s -r --arg c "$2" "map(select(.type == \"fork\" and .comm == \$c)) | $3" "$1/ptcopy.json"
}
# traced_calls DIR COMM FUNC [CALLER]: the function tracer's calls of FUNC
# by COMM (from CALLER only, or from anywhere but it with !CALLER)
traced_calls() {
	awk -v c="$2" -v f="$3" -v from="${4:-}" '
		match($0, /-[0-9]+ +\[[0-9]+\]/) && $0 ~ ": " f "(\\.[a-z0-9.]*)? <-" {
			if (substr($0, 1, RSTART - 1) !~ "^ *" c "$")
				next
			caller = $NF
			sub(/^<-/, "", caller)
			sub(/\+.*/, "", caller)
			if (from == "" || (from ~ /^!/ ? caller != substr(from, 2) : caller == from))
				n++
		} END { print n + 0 }' "$1/trace.txt"
}
same() {
	# same WHAT PTCOPY OTHER
	[ "$2" = "$3" ] || fail "$what: $1: ptcopy $2, $3 expected"
}
# absent DIR COMM KEY...: none of the keys in COMM's fork records or summary
absent() {
	local d=$1 c=$2 k
	shift 2
	for k in "$@"; do
		[ "$(ptf "$d" "$c" "map(has(\"$k\")) | any")" = false ] ||
			fail "$what: fork records have '$k', which tier $tier cannot measure"
		[ "$(pt "$d" "$c" "has(\"$k\")")" = false ] ||
			fail "$what: the summary has '$k', which tier $tier cannot measure"
	done
}
present() {
	local d=$1 c=$2 k
	shift 2
	for k in "$@"; do
		[ "$(ptf "$d" "$c" "map(has(\"$k\")) | all")" = true ] ||
			fail "$what: fork records lack '$k'"
	done
}
patched_only_fork="passes ptes lock_breaks retries copy_ns hold_ns_sum hold_ns_max prealloc_failed"
patched_only_sum="passes first_passes ptes lock_breaks retries loop_ends hold wait prealloc_failed copy_ns"
tier2_fork="calls call_ns_sum call_ns_max result swap_cont_ok swap_cont_failed"
tier2_sum="calls call aborts swap_cont"
# counted by neither tier 2 variant: a probe on __cond_resched would cost
# every task on the host (lib/tier.c, tier_resched())
resched_fork="resched_calls resched_done"
resched_sum="cond_resched"

for tier in $check_tiers; do
	for wc in fork:ptfork swap:swapfork; do
		w=${wc%%:*} comm=${wc##*:}
		d=$out/$tier/$w what="$tier $w ($comm)"
		for f in guest ptcopy; do
			want "$what: $f exit" "$(cat "$d/$f.rc" 2>/dev/null || echo '?')" 0
		done
		[ -s "$d/ptcopy.json" ] || { fail "$what: no ptcopy.json"; continue; }
		want "$what: tier ptcopy ran" "$(jq -r 'select(.type == "summary") | .tier' "$d/ptcopy.json" | tail -n 1)" "$tier"
		check_no_lost_events "$d"
		forks=$(grep -c '^result: fork=[0-9]* ok=1' "$d/workload.out" || true)
		same "fork records vs the workload's forks" "$(ptf "$d" $comm length)" "$forks"
		same "summary forks vs the workload's forks" "$(pt "$d" $comm .forks)" "$forks"
		calls=$(traced_calls "$d" $comm copy_page_range)
		absent "$d" $comm $patched_only_fork $patched_only_sum
		case $tier in
		tracepoint) absent "$d" $comm $tier2_fork $tier2_sum $resched_fork $resched_sum ;;
		fentry|kprobe) absent "$d" $comm $resched_fork $resched_sum ;;
		esac
		if [ $tier != tracepoint ]; then
			present "$d" $comm $tier2_fork
			same "copy_page_range calls vs the function tracer's" "$(pt "$d" $comm .calls)" "$calls"
			same "sum of per-fork calls" "$(ptf "$d" $comm 'map(.calls) | add')" "$(pt "$d" $comm .calls)"
			same "failed forks" "$(ptf "$d" $comm 'map(select(.result < 0)) | length')" 0
		fi
		case $w in
		fork)
			# Each fork's copy window (ptcopy) between two bounds of the
			# same fork measured by others. Above: its wall time as
			# ptfork measured it (CLOCK_MONOTONIC around fork(), the
			# clock BPF reads too); the window lies inside the fork()
			# system call. Below: the span from the first to the last
			# copy_page_range() call of that fork in the function
			# tracer's trace (entries between ptfork's markers; the
			# 256 MiB mapping is not the last VMA copied, so its call
			# lies inside the span); the window covers the whole copy.
			# No ratio to the wall time: under TCG, on a shared host,
			# the parent was seen to wait 26 ms after the copy before
			# fork() returned (the child ran first), half the wall time.
			ratios=
			for i in $(seq 0 $((forks - 1))); do
				win=$(ptf "$d" $comm ".[$i].window_ns")
				wall=$(sed -n "s/^info: fork=$i wall_ns=//p" "$d/workload.out")
				span=$(awk -v b="ptfork fork=$i begin" -v e="ptfork fork=$i end" -v c=$comm '
					index($0, b) { on = 1; next }
					index($0, e) { on = 0; next }
					on && $0 ~ ": copy_page_range(\\.[a-z0-9.]*)? <-" && $1 ~ "^" c "-" {
						for (k = 1; k <= NF; k++)
							if ($k ~ /^[0-9]+\.[0-9]+:$/) { t = substr($k, 1, length($k) - 1); break }
						if (first == "") first = t
						last = t
					}
					END { if (first == "") print ""; else printf "%.0f\n", (last - first) * 1e9 }' "$d/trace.txt")
				[ -n "$wall" ] && [ -n "$span" ] && [ "$win" != null ] ||
					{ fail "$what: fork $i: no window ($win), wall time ($wall) or traced copy span ($span)"; continue; }
				[ "$win" -le "$wall" ] || fail "$what: fork $i: copy window $win ns longer than the fork's wall time $wall ns"
				# The trace's timestamps have microseconds: 2 us of rounding
				[ $((win + 2000)) -ge "$span" ] ||
					fail "$what: fork $i: copy window $win ns shorter than the traced copy_page_range span $span ns"
				ratios="$ratios $((span / 1000))<=$((win / 1000))<=$((wall / 1000))"
				if [ $tier != tracepoint ]; then
					call=$(ptf "$d" $comm ".[$i].call_ns_sum")
					[ "$call" -le "$win" ] || fail "$what: fork $i: copy_page_range calls took $call ns, longer than the window $win ns"
				fi
			done
			observed "$what: forks=$(pt "$d" $comm .forks) calls=$(pt "$d" $comm '.calls // "absent"') (function tracer $calls);" \
				"traced copy span <= window <= wall (us) per fork:$ratios; cond_resched $(pt "$d" $comm '.cond_resched // "absent" | tostring')"
			;;
		swap)
			want "$what: children that read the page back" "$(sed -n 's/^result: children=[0-9]* verified=//p' "$d/workload.out")" 64
			# By the kprobe event's gfp_mask: __GFP_DIRECT_RECLAIM
			# (0x400) in GFP_KERNEL, not in GFP_ATOMIC
			atomic=0 own=0
			for g in $(sed -n "s/^ *$comm-[0-9].*: add: (add_swap_count_continuation+0x[0-9a-f]*\/.*) gfp=\(0x[0-9a-f]*\)\$/\1/p" "$d/trace.txt"); do
				if [ $((g & 0x400)) -ne 0 ]; then own=$((own + 1)); else atomic=$((atomic + 1)); fi
			done
			[ "$atomic" -ge 1 ] || fail "$what: the kprobe event saw no add_swap_count_continuation with GFP_ATOMIC (swap_duplicate's)"
			want "$what: copy_pte_range's own (GFP_KERNEL) add_swap_count_continuation calls" "$own" 0
			# The function tracer's callers agree, where it knows them
			unknown=$(traced_calls "$d" $comm add_swap_count_continuation "[unknown/kretprobe'd]")
			if [ "$unknown" = 0 ]; then
				want "$what: add_swap_count_continuation from swap_duplicate, function tracer vs gfp_mask" \
					"$(traced_calls "$d" $comm add_swap_count_continuation swap_duplicate)" "$atomic"
				want "$what: add_swap_count_continuation from elsewhere, function tracer vs gfp_mask" \
					"$(traced_calls "$d" $comm add_swap_count_continuation '!swap_duplicate')" "$own"
			else
				want "$what: add_swap_count_continuation calls, function tracer vs kprobe event" \
					"$(traced_calls "$d" $comm add_swap_count_continuation)" "$((atomic + own))"
			fi
			if [ $tier = tracepoint ]; then
				:
			else
				same "continuations ok (copy_pte_range's own calls)" "$(pt "$d" $comm .swap_cont.ok)" "$own"
				same "continuations failed" "$(pt "$d" $comm .swap_cont.failed)" 0
				same "sum of per-fork swap_cont_ok" "$(ptf "$d" $comm 'map(.swap_cont_ok) | add')" "$own"
			fi
			observed "$what: forks=$(pt "$d" $comm .forks) calls=$(pt "$d" $comm '.calls // "absent"') (function tracer $calls);" \
				"add_swap_count_continuation with GFP_ATOMIC $atomic, GFP_KERNEL $own (callers unknown to the function tracer: $unknown);" \
				"ptcopy swap_cont $(pt "$d" $comm '.swap_cont // "absent" | tostring')"
			;;
		esac
	done
done

# --- The exporter
for f in before.prom after.prom after.om after.pb ptcopy.json; do
	[ -s "$out/$f" ] || { fail "the guest brought back no $f"; finish; }
done
for f in exporter ptcopy; do
	want "$f exit" "$(cat "$out/$f.rc" 2>/dev/null || echo '?')" 0
done
# promtool 2.42 reads the Prometheus text format only (not OpenMetrics)
for f in before.prom after.prom; do
	if ! promtool check metrics < "$out/$f" > "$out/promtool-$f.txt" 2>&1; then
		fail "promtool check metrics $f: $(head -n 3 "$out/promtool-$f.txt" | tr '\n' ' ')"
	fi
done
# prom FILE SERIES: the value, 0 if absent
prom() {
	awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' "$out/$1"
}
# rise SERIES: after - before
rise() {
	awk -v a="$(prom before.prom "$1")" -v b="$(prom after.prom "$1")" 'BEGIN { printf "%.0f\n", b - a }'
}
# ptx COMM JQ: ptcopy's final summary for COMM (0 where it has none)
ptx() {
	jq -s -r --arg c "$1" "map(select(.type == \"summary\")) | last |
		[.labels[]? | select(.comm == \$c)] | (.[0] // {}) | $2 // 0" "$out/ptcopy.json"
}
tier=$(sed -n 's/^ptcopy_tier_info{tier="\([a-z]*\)"} 1$/\1/p' "$out/after.prom")
want "exporter tier" "$tier" "$exporter_tier"
# Every series with a comm label, by family: what ptcopy reports for it.
# Durations (_sum) are timed by each session's own programs: shown, not
# compared. A family not listed here fails: it must be added.
compared=0
while read -r series _; do
	name=${series%%\{*}
	labels=${series#*\{}
	labels=${labels%\}}
	comm=$(sed -n 's/.*comm="\([^"]*\)".*/\1/p' <<< "$labels")
	case $comm in ptfork|swapfork) ;; *) continue ;; esac
	what="exporter $series"
	case $name in
	ptcopy_forks_total) p=$(ptx $comm .forks) ;;
	ptcopy_fork_copy_seconds_count) p=$(ptx $comm .window.count) ;;
	ptcopy_fork_sibling_stall_seconds_count) p=$(ptx $comm .stall.count) ;;
	ptcopy_copy_call_seconds_count) p=$(ptx $comm .call.count) ;;
	ptcopy_fork_aborts_total) p=$(ptx $comm ".aborts.$(sed -n 's/.*error="\([^"]*\)".*/\1/p' <<< "$labels")") ;;
	ptcopy_cond_resched_calls_total) p=$(ptx $comm .cond_resched.calls) ;;
	ptcopy_cond_resched_rescheduled_total) p=$(ptx $comm .cond_resched.rescheduled) ;;
	ptcopy_swap_cont_total) p=$(ptx $comm ".swap_cont.$(sed -n 's/.*result="\([^"]*\)".*/\1/p' <<< "$labels")") ;;
	*_sum|*_bucket) continue ;;
	*) fail "the exporter exposes $name, which this check does not compare with ptcopy"; continue ;;
	esac
	r=$(rise "$series")
	[ "$r" = "$p" ] || fail "$what: the exporter rose by $r, ptcopy reports $p"
	compared=$((compared + 1))
done < <(grep -v '^#' "$out/after.prom")
# Histograms: the +Inf bucket is the count
for h in fork_copy_seconds copy_call_seconds fork_sibling_stall_seconds; do
	for comm in ptfork swapfork; do
		c="ptcopy_${h}_count{comm=\"$comm\"}"
		i="ptcopy_${h}_bucket{comm=\"$comm\",le=\"+Inf\"}"
		grep -q "^$c " "$out/after.prom" || continue
		[ "$(rise "$i")" = "$(rise "$c")" ] || fail "exporter $i rose by $(rise "$i"), its _count by $(rise "$c")"
	done
done
# Health counters without labels (events lost, forks untracked, ...) count
# each session's own losses: a ring buffer that filled, a window open when
# the session detached. The two sessions need not lose the same events, so
# they are shown, not compared; the per-comm counts above are exact anyway.
health=
for hc in $(jq -s -r 'map(select(.type == "summary")) | last | .health | keys[]' "$out/ptcopy.json"); do
	s=ptcopy_${hc}_total
	grep -q "^$s " "$out/after.prom" || continue
	p=$(jq -s -r --arg k "$hc" 'map(select(.type == "summary")) | last | .health[$k] // 0' "$out/ptcopy.json")
	health="$health $hc +$(rise "$s")/$p"
done
observed "health counters, exporter rise/ptcopy:$health"
[ $compared -gt 0 ] || fail "the exporter exposed no series for ptfork or swapfork"
# What only the patched tier measures, and cond_resched outcomes (tiers
# patched and inline only): absent, not zero
for m in ptcopy_pte_lock_hold_seconds ptcopy_pte_lock_wait_seconds ptcopy_pte_passes_total \
	ptcopy_lock_breaks_total ptcopy_retries_total ptcopy_cond_resched_calls_total \
	ptcopy_cond_resched_rescheduled_total; do
	! grep -q "^# TYPE $m " "$out/after.prom" || fail "the exporter exposes $m on tier $tier"
done
for comm in ptfork swapfork; do
	observed "exporter $comm: forks +$(rise "ptcopy_forks_total{comm=\"$comm\"}")" \
		"copy calls +$(rise "ptcopy_copy_call_seconds_count{comm=\"$comm\"}")" \
		"swap continuations ok/failed +$(rise "ptcopy_swap_cont_total{comm=\"$comm\",result=\"ok\"}")/+$(rise "ptcopy_swap_cont_total{comm=\"$comm\",result=\"failed\"}")" \
		"(ptcopy: forks $(ptx $comm .forks), calls $(ptx $comm .calls))"
done
observed "exporter: $compared series compared with ptcopy; promtool check metrics clean on before.prom and after.prom"

# The static exporter's protobuf format (protobuf-c linked statically): the
# text format's families, and for each workload the copy-window histogram
# with the text's count, its native buckets (zero bucket plus the deltas
# summed up) adding up to that count too.
if ! "$(dirname "$0")/../../pb-decode.py" "$out/after.pb" > "$out/after.pb.txt" 2> "$out/pb-decode.err"; then
	fail "the protobuf scrape does not decode: $(cat "$out/pb-decode.err")"
	finish
fi
if ! diff <(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$out/after.prom" | sort) \
	<(sed -n 's/^name: "\(.*\)"$/\1/p' "$out/after.pb.txt" | sort) > "$out/pb-families.diff"; then
	fail "protobuf and text families differ: $(tr '\n' ' ' < "$out/pb-families.diff")"
fi
for comm in ptfork swapfork; do
	read -r count native < <(awk -v c="\"$comm\"" '
		/^name: / { fam = $2 }
		fam != "\"ptcopy_fork_copy_seconds\"" { next }
		/^metric \{/ { inm = 0 }
		$1 == "value:" && $2 == c { inm = 1; cnt = 0; tot = 0; run = 0 }
		!inm { next }
		$1 == "sample_count:" { cnt = $2 }
		$1 == "zero_count:" { tot += $2 }
		$1 == "positive_delta:" { run += $2; tot += run }
		END { print cnt + 0, tot + 0 }' "$out/after.pb.txt")
	want=$(prom after.prom "ptcopy_fork_copy_seconds_count{comm=\"$comm\"}")
	[ "$count" = "$want" ] && [ "$native" = "$want" ] ||
		fail "protobuf $comm: sample_count $count, native buckets $native, text _count $want"
done
observed "exporter protobuf: $(grep -c '^name: ' "$out/after.pb.txt") families, as in the text format; native buckets add up"
finish
