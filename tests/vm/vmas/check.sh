#!/usr/bin/env bash
# ptcopy --vmas over vmafork (tests/vm/vmas/guest): in each of its five fork
# records, every mapping the workload made is there with the exact range
# /proc/self/maps gave, its size and kind (arena and thp anon, shm shmem
# named dev/zero, file file named file, heap heap); vmas_copied is the
# workload's VMA count; the THP arena's huge PMDs map exactly smaps'
# AnonHugePages; the 128 MiB arena's copy takes longer than all the other
# mappings' together (16 times their 4 KiB-mapped memory) in at least 3
# of the 4 forks after the first; its first
# passes are its 64 PMD ranges. On the patched kernel, every mapping's
# passes and retries equal the copy_pte_pass_start events with an address
# in its range between the fork's markers, and the mappings' passes add up
# to the fork's. The summary's per-kind counts add up to the records'
# vmas_copied; ptcopy_exporter --vmas counts, per kind, the mappings of
# vmafork's records; the text view (--tier=kprobe: kprobes on
# copy_page_range) has the arena's row and a table of all the mappings for
# each fork.
# The timeline the -j session recorded (--record, tests/include/
# trace_check.py): valid against the Trace Event Format's schema; every
# mapping and pass inside its window, every pass inside a mapping, the
# mappings' durations at most their window's; vmafork's five windows, one
# mapping slice per mapping copied, and on tiers patched and inline one
# pass slice per pass, a retry per retry, a lock-break per lock-break of
# the fork records; nothing lost. On the patched kernel its pass slices
# are exactly the trace's copy_pte_pass_start events, address ranges and
# all. Where pass slices have ranges (tier patched; tier inline where
# --probe -v says 'inline range addr=WHERE end=WHERE'), every one of
# vmafork's has one, inside one of the records' mappings, from its start
# to where copy_pte_range() stops (the next 2 MiB boundary or the
# mapping's end); each mapping holds as many as the records count passes
# in it; the arena's first passes are its 64 PMD ranges, each once per
# fork. Where it says 'inline range no: WHY', none has a range.
# On the patched kernel a third session, --tier=inline with its own
# record: it exits 0, loses nothing, and its pass slices all have ranges,
# exactly the trace's copy_pte_pass_start events (the ground truth).
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
w=$out/workload.out
j=$out/ptcopy.json
[ "$(cat "$out/workload.rc" 2>/dev/null)" = 0 ] || fail "vmafork exited $(cat "$out/workload.rc" 2>/dev/null)"
[ "$(cat "$out/ptcopy.rc" 2>/dev/null)" = 0 ] || fail "ptcopy -j exited $(cat "$out/ptcopy.rc" 2>/dev/null): $(cat "$out/ptcopy.err")"
[ "$(cat "$out/ptcopy-text.rc" 2>/dev/null)" = 0 ] ||
	fail "ptcopy (text, kprobe) exited $(cat "$out/ptcopy-text.rc" 2>/dev/null): $(cat "$out/ptcopy-text.err")"
results "$w" | grep -v 'ok=1 errno=0 exit=0$' | while read -r l; do fail "fork failed: $l"; done
forks=5
[ "$(results "$w" | wc -l)" = $forks ] || fail "want $forks forks, the workload reported $(results "$w" | wc -l)"
observed "THP: $(cat "$out/thp.txt"); $(grep '^info:' "$w" | tr '\n' ' ')"

# vma NAME FIELD: the workload's line for mapping NAME
vma() {
	grep "^info: vma=$1 " "$w" | value "$2"
}
maps=$(value maps "$w")
[ "$(vma thp thp_kb)" = 8192 ] ||
	fail "the THP arena has $(vma thp thp_kb) kB of huge pages (smaps), want all 8192"
tier=$(jq -r 'select(.type == "fork") | .tier' "$j" | head -n 1)
records=$(jq -c 'select(.type == "fork" and .comm == "vmafork")' "$j")
[ "$(echo "$records" | grep -c .)" = $forks ] ||
	fail "want $forks vmafork fork records, got $(echo "$records" | grep -c .)"
have_passes=0
case $tier in patched|inline) have_passes=1 ;; esac
# What --probe -v says of the inline tier's pass ranges: "addr=WHERE
# end=WHERE" where its pass-start kprobe reads them, "no: WHY" where the
# recogniser cannot locate them, "" for no line (a ptcopy whose inline
# tier has no ranges)
range=$(sed -n 's/^inline range  *//p' "$out/probe.txt" 2>/dev/null | head -n 1)
case $tier in
patched|inline) ;;
*) observed "pass ranges not held: the -j session chose tier $tier; --probe -v said:" \
	"$(grep -sE '^(chosen|tier inline|inline sites|inline range) ' "$out/probe.txt" | tr -s ' ' | tr '\n' ';')" ;;
esac
no_range_line() {
	fail "--probe -v has no 'inline range' line: $(grep -m1 '^inline sites' "$out/probe.txt" 2>/dev/null || echo 'no probe.txt')"
}

# hexr FMT: lines "START END [N]" (decimal) as START-END in hex, N by FMT
hexr() {
	local s e n
	while read -r s e n; do
		printf '%#x-%#x' "$s" "$e"
		# shellcheck disable=SC2059 # FMT is the caller's format
		[ -z "$n" ] || printf " ${1-}" "$n"
		printf ' '
	done
}

# check_ranges CHECK RECORDS WHAT: the ranges of vmafork's pass slices
# (CHECK: trace_check.py --passes vmafork) against the mappings of its fork
# records (RECORDS, JSON lines; the workload's five at smaps' ranges, as
# the per-fork checks hold). Every slice has a range; each lies in one
# mapping and ends where copy_pte_range() stops, the next 2 MiB boundary
# or the mapping's end (so start < end, at most 2 MiB apart); each mapping
# holds as many as the records count passes in it; the arena's first
# passes (those that start on a 2 MiB boundary in it: no retry there
# does, as nothing in it, neither pinned nor swapped, stops a pass before
# its first PTE is copied) are its 64 PMD ranges, each once per fork.
check_ranges() {
	local maps x a0 a1
	maps=$(echo "$2" | jq -s -c '[.[].vmas[]?] | group_by([.start, .end]) |
		map({s: .[0].start, e: .[0].end, passes: (map(.passes // 0) | add)})')
	a0=$(( $(vma arena start) )); a1=$(( $(vma arena end) ))
	x=$(jq -c --argjson maps "$maps" --argjson a0 $a0 --argjson a1 $a1 --argjson forks $forks '
	def pmd: 2097152;
	def stop($e): [(. / pmd | floor) * pmd + pmd, $e] | min;
	.passes as $ps
	| [$ps[] as $p | {p: $p, m: ([$maps[] | select(.s <= $p[0] and $p[1] <= .e)] | first)}] as $in
	| [$ps[] | select(.[0] >= $a0 and .[0] < $a1 and (.[0] / pmd | floor) * pmd == .[0])] as $first
	| {
		ranged: ($ps | length),
		slices: (.comm.vmafork.pass // 0),
		mappings: ($maps | length),
		outside: [$in[] | select(.m == null) | .p],
		bad_end: [$in[] | select(.m != null) | .m.e as $e | (.p[0] | stop($e)) as $w |
			select(.p[1] != $w) | .p + [$w]],
		bad_mapping: [$maps[] | . as $m |
			[.s, .e, .passes, ([$ps[] | select($m.s <= .[0] and .[1] <= $m.e)] | length)] |
			select(.[2] != .[3])],
		first: ($first | length),
		first_ranges: ($first | unique | length),
		first_bad: [$first | group_by(.)[] | select(length != $forks or .[0][1] != .[0][0] + pmd) |
			.[0] + [length]]
	}' "$1")
	q() { echo "$x" | jq -r "$1"; }
	observed "$3: $(q .ranged) of $(q .slices) pass slices ranged; in none of the $(q .mappings) mappings $(q '.outside | length')," \
		"not ending where copy_pte_range() stops $(q '.bad_end | length'), mappings not as the records count $(q '.bad_mapping | length');" \
		"the arena's first passes $(q .first) over $(q .first_ranges) ranges"
	[ "$(q .ranged)" = "$(q .slices)" ] ||
		fail "$3: $(q .ranged) of vmafork's $(q .slices) pass slices have a range"
	[ "$(q '.outside | length')" = 0 ] ||
		fail "$3: $(q '.outside | length') pass ranges in none of the records' $(q .mappings) mappings: $(q '.outside[:3][] | "\(.[0]) \(.[1])"' | hexr)"
	[ "$(q '.bad_end | length')" = 0 ] ||
		fail "$3: $(q '.bad_end | length') pass ranges do not end where copy_pte_range() stops (the next 2 MiB boundary or the mapping's end): $(q '.bad_end[:3][] | "\(.[0]) \(.[1]) \(.[2])"' | hexr '(want end %#x)')"
	# the counts below need every pass's range
	[ "$(q .ranged)" = "$(q .slices)" ] || return 0
	[ "$(q '.bad_mapping | length')" = 0 ] ||
		fail "$3: $(q '.bad_mapping | length') mappings with other than the records' passes in them: $(q '.bad_mapping[:4][] | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' | while read -r s e p n; do printf '%#x-%#x records %d ranges %d; ' "$s" "$e" "$p" "$n"; done)"
	[ "$(q .first)" = $((64 * forks)) ] && [ "$(q .first_ranges)" = 64 ] && [ "$(q '.first_bad | length')" = 0 ] ||
		fail "$3: the arena's first passes: $(q .first) ranges from a 2 MiB boundary over $(q .first_ranges) ranges, want its 64 PMD ranges $forks times each: $(q '.first_bad[:3][] | "\(.[0]) \(.[1]) \(.[2])"' | hexr 'x%d')"
}

if [ "$VARIANT" = patched ]; then
	check_no_lost_events
	# trace_counts FORK START END (decimal): the fork's passes (between its
	# markers) and retries with an address in [START, END), and all its passes
	trace_counts() {
		awk -v s="$2" -v e="$3" -v fk="$1" '
		function hex(x,   i, c, v) {
			v = 0; x = tolower(x); sub(/^0x/, "", x)
			for (i = 1; i <= length(x); i++) {
				c = index("0123456789abcdef", substr(x, i, 1)) - 1
				v = v * 16 + c
			}
			return v
		}
		BEGIN { cur = "none" }
		/tracing_mark_write: vmafork fork=/ {
			split($0, m, "fork="); split(m[2], n, " ")
			cur = ($NF == "begin") ? n[1] "" : "none"
			next
		}
		/copy_pte_pass_start:/ && cur == fk "" {
			a = ""; r = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^addr=/) a = substr($i, 6)
				if ($i ~ /^reason=/) r = substr($i, 8)
			}
			a = hex(a)
			if (a >= s + 0 && a < e + 0) { p++; if (r != "first") t++ }
			all++
		}
		END { printf "%d %d %d\n", p, t, all }' "$out/trace.txt"
	}
fi

dominated=0
for i in $(seq 0 $((forks - 1))); do
	rec=$(echo "$records" | sed -n "$((i + 1))p")
	[ -n "$rec" ] || continue
	r() { echo "$rec" | jq -r "$1"; }
	[ "$(r .vmas_copied)" = "$maps" ] || fail "fork $i: vmas_copied $(r .vmas_copied), the workload had $maps VMAs"
	[ "$(r '.vmas | length')" = "$maps" ] || fail "fork $i: $(r '.vmas | length') mappings in the record, want all $maps (--vmas=16)"
	[ "$(r '[.vmas[].copy_ns] == ([.vmas[].copy_ns] | sort | reverse)')" = true ] ||
		fail "fork $i: mappings not costliest first"
	for m in arena thp shm file heap; do
		s=$(( $(vma $m start) )); e=$(( $(vma $m end) ))
		v=$(echo "$rec" | jq -c --argjson s $s '.vmas[] | select(.start == $s)')
		[ -n "$v" ] || { fail "fork $i: no mapping starts at $(vma $m start) ($m)"; continue; }
		f() { echo "$v" | jq -r "$1"; }
		case $m in
		arena|thp) kind=anon name=null ;;
		shm) kind=shmem name=dev/zero ;;
		file) kind=file name=file ;;
		heap) kind=heap name=null ;;
		esac
		[ "$(f .end)" = $e ] && [ "$(f .size)" = $((e - s)) ] ||
			fail "fork $i: $m end $(f .end) size $(f .size), want $e and $((e - s))"
		[ "$(f .kind)" = $kind ] || fail "fork $i: $m kind $(f .kind), want $kind"
		[ "$(f .name)" = $name ] || fail "fork $i: $m name $(f .name), want $name"
		if [ "$(f 'has("huge_pmds")')" = true ]; then
			# THP is "always" on some kernels: the heap may get one too
			want=$(( $(vma $m thp_kb) / 2048 ))
			[ "$(f .huge_pmds)" = $want ] && [ "$(f .huge_bytes)" = $((want * 2097152)) ] ||
				fail "fork $i: $m huge_pmds $(f .huge_pmds) ($(f .huge_bytes) bytes), want $want (smaps AnonHugePages $(vma $m thp_kb) kB)"
		else
			fail "fork $i: no huge_pmds (copy_huge_pmd is a kprobe-able function on every kernel here)"
		fi
		if [ $have_passes = 1 ]; then
			[ "$(f 'has("passes") and has("retries") and has("hold_ns_sum")')" = true ] ||
				fail "fork $i: $m lacks passes/retries/hold_ns_sum on tier $tier"
			[ $m = arena ] && { [ $(( $(f .passes) - $(f .retries) )) = 64 ] ||
				fail "fork $i: arena first passes $(( $(f .passes) - $(f .retries) )), want its 64 PMD ranges"; }
			if [ "$VARIANT" = patched ]; then
				read -r tp tr tall <<< "$(trace_counts $i $s $e)"
				[ "$(f .passes)" = "$tp" ] && [ "$(f .retries)" = "$tr" ] ||
					fail "fork $i: $m passes $(f .passes) retries $(f .retries), the trace has $tp and $tr in its range"
			fi
		else
			[ "$(f 'has("passes") or has("retries") or has("hold_ns_sum")')" = false ] ||
				fail "fork $i: $m has pass fields on tier $tier"
		fi
	done
	arena=$(( $(vma arena start) ))
	read -r a others <<< "$(echo "$rec" | jq -r --argjson s $arena '[(.vmas[] | select(.start == $s) | .copy_ns), ([.vmas[] | select(.start != $s) | .copy_ns] | add)] | "\(.[0]) \(.[1])"')"
	[ $i = 0 ] || [ "$a" -le "$others" ] || dominated=$((dominated + 1))
	observed "fork $i: the arena's copy $a ns, all other mappings' $others ns"
	if [ $have_passes = 1 ]; then
		[ "$(r '[.vmas[].passes] | add')" = "$(r .passes)" ] ||
			fail "fork $i: the mappings' passes add up to $(r '[.vmas[].passes] | add'), the fork had $(r .passes)"
		[ "$VARIANT" != patched ] || {
			read -r tp tr tall <<< "$(trace_counts $i 0 0)"
			[ "$tall" = "$(r .passes)" ] || fail "fork $i: $(r .passes) passes, the trace has $tall"
		}
	fi
	observed "fork $i (tier $tier): $(r '[.vmas[] | "\(.kind)\(if .name then ":" + .name else "" end) \(.size / 1048576 | floor)MiB \(.copy_ns / 1000 | floor)us huge=\(.huge_pmds) passes=\(.passes)"] | join(", ")')"
done

# Fork 0 runs copy_huge_pmd() and the rest for the first time, which TCG
# translates then (seen: the 8 MiB THP arena's 4 huge PMDs took 5.8 ms in
# fork 0, 72 us in fork 1): the warm forks decide, by majority, so that one
# host hiccup in a small mapping's copy does not.
[ $dominated -ge 3 ] ||
	fail "the arena's copy was longer than all other mappings' together in $dominated of forks 1-4, want 3 or more"

# the timeline (--record)
[ -s "$out/record.json" ] || fail "ptcopy --record wrote no record.json"
kt=
[ "$VARIANT" = patched ] && kt="--kernel-trace $out/trace.txt"
if python3 "$lib/../../include/trace_check.py" --comm vmafork --passes vmafork $kt \
	"$out/record.json" > "$out/record-check.json" 2> "$out/record-check.err"; then
	rc_() { jq -r "$1" "$out/record-check.json"; }
	sum() { echo "$records" | jq -s "map($1) | add"; }
	[ "$(rc_ '.comm.vmafork.window')" = $forks ] ||
		fail "record: $(rc_ '.comm.vmafork.window') windows of vmafork, want $forks"
	[ "$(rc_ '.comm.vmafork.vma // 0')" = "$(sum .vmas_copied)" ] ||
		fail "record: $(rc_ '.comm.vmafork.vma // 0') mapping slices, the records copied $(sum .vmas_copied)"
	if [ $have_passes = 1 ]; then
		for k in pass:passes retry:retries lock_break:lock_breaks; do
			[ "$(rc_ ".comm.vmafork.${k%%:*} // 0")" = "$(sum ".${k#*:}")" ] ||
				fail "record: $(rc_ ".comm.vmafork.${k%%:*} // 0") ${k%%:*} events, the records count $(sum ".${k#*:}") ${k#*:}"
		done
	else
		[ "$(rc_ '.comm.vmafork.pass // 0')" = 0 ] || fail "record: pass slices on tier $tier"
	fi
	[ "$(rc_ '.other.records_lost | add')" = 0 ] ||
		fail "record: records lost: $(jq -c .other.records_lost "$out/record-check.json")"
	[ "$VARIANT" != patched ] || observed "record: all $(rc_ '.passes | length') pass slices of vmafork are the trace's copy_pte_pass_start ranges"
	case $tier:$range in
	patched:*)
		check_ranges "$out/record-check.json" "$records" "record (tier patched)" ;;
	inline:no:*)
		[ "$(rc_ '.passes | length')" = 0 ] ||
			fail "record: $(rc_ '.passes | length') pass slices with a range, yet --probe -v says 'inline range $range'"
		observed "record (tier inline): no pass ranges: --probe -v says 'inline range $range'" ;;
	inline:?*)
		check_ranges "$out/record-check.json" "$records" "record (tier inline, $range)" ;;
	inline:)
		no_range_line ;;
	esac
	observed "record (tier $tier): $(jq -c .comm.vmafork "$out/record-check.json") in $(stat -c %s "$out/record.json") bytes"
else
	fail "record: $(head -n 5 "$out/record-check.err" | tr '\n' '|')"
fi

# the inline tier's session on the patched kernel: its pass ranges against
# the trace's copy_pte_pass_start events (trace_check.py --kernel-trace)
if [ "$VARIANT" = patched ]; then
	[ "$(cat "$out/inline.rc" 2>/dev/null)" = 0 ] ||
		fail "ptcopy --tier=inline exited $(cat "$out/inline.rc" 2>/dev/null): $(cat "$out/inline.err" 2>/dev/null)"
	case $range in
	"") no_range_line ;;
	no:*) fail "the inline tier locates no pass range on the lab kernel, where the trace would hold it to them: --probe -v says 'inline range $range'" ;;
	esac
	if python3 "$lib/../../include/trace_check.py" --comm vmafork --passes vmafork --kernel-trace "$out/trace.txt" \
		"$out/record-inline.json" > "$out/record-inline-check.json" 2> "$out/record-inline-check.err"; then
		ri() { jq -r "$1" "$out/record-inline-check.json"; }
		[ "$(ri .other.tier)" = inline ] || fail "record-inline: tier $(ri .other.tier), want inline (forced)"
		[ "$(ri '.comm.vmafork.window')" = $forks ] ||
			fail "record-inline: $(ri '.comm.vmafork.window') windows of vmafork, want $forks"
		[ "$(ri '.passes | length')" = "$(ri '.comm.vmafork.pass // 0')" ] ||
			fail "record-inline: $(ri '.passes | length') of vmafork's $(ri '.comm.vmafork.pass // 0') pass slices have a range"
		[ "$(ri '.other.records_lost | add')" = 0 ] ||
			fail "record-inline: records lost: $(jq -c .other.records_lost "$out/record-inline-check.json")"
		observed "record-inline (tier $(ri .other.tier), $range): all $(ri '.passes | length') ranged pass slices of vmafork are the trace's copy_pte_pass_start events; $(jq -c .comm.vmafork "$out/record-inline-check.json"), lost $(jq -c .other.records_lost "$out/record-inline-check.json")"
	else
		fail "record-inline: $(head -n 5 "$out/record-inline-check.err" | tr '\n' '|')"
	fi
fi

# the summary: every mapping of every traced fork, by kind
sum_kinds=$(jq -s 'map(select(.type == "summary")) | last | .total.vmas | [.[].count] | add' "$j")
sum_records=$(jq -s 'map(select(.type == "fork") | .vmas_copied) | add' "$j")
[ "$sum_kinds" = "$sum_records" ] || fail "summary: $sum_kinds mappings by kind, the fork records copied $sum_records"
[ "$(jq -s 'map(select(.type == "summary")) | last | .total.vmas.anon.copy_ns > 0' "$j")" = true ] ||
	fail "summary: no anon copy time"
observed "summary by kind: $(jq -s -c 'map(select(.type == "summary")) | last | .total.vmas' "$j")"

# the exporter (tier fentry, its own session): per kind, exactly the
# mappings the five records of vmafork hold (each holds all of its VMAs)
[ "$(cat "$out/exporter.rc" 2>/dev/null)" = 0 ] || fail "ptcopy_exporter exited $(cat "$out/exporter.rc" 2>/dev/null): $(tail -n 2 "$out/exporter.log")"
for kind in hugetlb shmem file heap stack anon; do
	got=$(sed -n "s/^ptcopy_vmas_copied_total{comm=\"vmafork\",kind=\"$kind\"} //p" "$out/after.prom")
	want=$(echo "$records" | jq -s --arg k $kind '[.[].vmas[] | select(.kind == $k)] | length')
	[ "$got" = "$want" ] || fail "exporter: ptcopy_vmas_copied_total{comm=vmafork,kind=$kind} '$got', the records hold $want"
done
sec=$(sed -n 's/^ptcopy_vma_copy_seconds_total{comm="vmafork",kind="anon"} //p' "$out/after.prom")
awk -v s="${sec:-0}" 'BEGIN { exit !(s > 0) }' || fail "exporter: no anon copy seconds for vmafork: '$sec'"
# what the per-mapping programs cost per run (kernel BPF statistics), for
# docs/PERFORMANCE.md; nothing is asserted about speed
for p in ptcopy_vma_entry ptcopy_vma_exit ptcopy_vma_kp_huge ptcopy_page_entry ptcopy_page_exit; do
	runs=$(sed -n "s/^ptcopy_bpf_program_runs_total{program=\"$p\"} //p" "$out/after.prom")
	sec=$(sed -n "s/^ptcopy_bpf_program_run_seconds_total{program=\"$p\"} //p" "$out/after.prom")
	[ -n "$runs" ] && [ "$runs" != 0 ] &&
		observed "exporter program $p: $runs runs, $(awk -v s="$sec" -v n="$runs" 'BEGIN { printf "%.0f", s * 1e9 / n }') ns/run"
done
observed "exporter (vmafork): $(grep '^ptcopy_vma.*comm="vmafork"' "$out/after.prom" | tr '\n' ' ')"

# the text view (tier kprobe): the arena's row, kind anon, its size
arena_row=$(printf '%012x-%012x' $(( $(vma arena start) )) $(( $(vma arena end) )))
grep -q "^    $arena_row   anon  *128.0 " "$out/ptcopy.txt" ||
	fail "the text view (--tier=kprobe) has no row '$arena_row anon 128.0': $(grep -m3 '^    ' "$out/ptcopy.txt" | tr '\n' '|')"
grep -q 'PASSES' "$out/ptcopy.txt" && fail "the text view on tier kprobe has a PASSES column"
# its per-mapping programs were kprobes: every vmafork fork, all its mappings
n=$(grep -c "^    MAPPING .* NAME ($maps mappings copied)$" "$out/ptcopy.txt" || true)
[ "$(grep -c ' vmafork  ' "$out/ptcopy.txt")" -ge $forks ] && [ "$n" -ge $forks ] ||
	fail "the text view (kprobes) shows $n mapping tables of $maps mappings, want one per vmafork fork ($forks)"
finish
