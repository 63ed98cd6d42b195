#!/usr/bin/env bash
# ptcopy against faults on the kernel side. A fault that stops it is one
# line on stderr naming it and exit 1, with no program, link or map of ours
# left in the kernel; a fault at run time is a loss counted in the summary's
# health while the totals stay exact; what ptcopy does not need (tracefs,
# root or CAP_SYS_ADMIN, RLIMIT_MEMLOCK on a kernel that charges BPF memory
# to the memory cgroup) is no fault, and ptcopy traces exactly without it. All of it twice: the
# normal build and the ASan+UBSan one (whose reports would add lines or
# change the exit status).
# host-san: no (runs every case on both builds itself)
. tests/host/lib.sh
need_root
need_cmd() {
	command -v "$1" > /dev/null || fail "$1 is not installed (make deps-test installs it)"
}
need_cmd jq
need_cmd prlimit
need_cmd unshare

# summary FILE JQ: JQ applied to the one summary line of ptcopy -j output.
summary() {
	jq -s "map(select(.type == \"summary\")) | if length == 1 then .[0] | $2 else error(\"\\(length) summaries\") end" "$1"
}

# traces_exactly NAME [CHECK]: ptcopy (under PTCOPY_WRAP) sees forkload's
# 2 forks, exits 0 on SIGINT and leaves nothing behind (stop_ptcopy);
# CHECK PID NAME runs while it is attached.
traces_exactly() {
	local n
	start_ptcopy "$1" -c forkload -j
	[ -z "${2:-}" ] || "$2" "$PTCOPY_PID" "$1"
	"$FORKLOAD" --size 8 --forks 2 -q > /dev/null
	stop_ptcopy INT
	n=$(summary "$WORK/$1.out" .total.forks)
	[ "$n" -eq 2 ] || fail "$1: $n forks traced, forkload made 2"
}

# ptcopy (the wrapper's arguments) in a private mount namespace without
# tracefs (debugfs too: its tracing directory would mount tracefs again),
# and without CAP_SYS_ADMIN to mount it; CAP_BPF and CAP_PERFMON still
# allow tracing.
cat > "$WORK/notracefs" <<'EOF'
#!/bin/sh
exec unshare -m sh -c '
	umount -l /sys/kernel/tracing 2>/dev/null
	umount -l /sys/kernel/debug 2>/dev/null
	if grep -qw tracefs /proc/self/mounts; then echo "tracefs still mounted" >&2; exit 3; fi
	exec setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$@"' sh "$@"
EOF
chmod +x "$WORK/notracefs"

# user nobody with CAP_BPF and CAP_PERFMON alone
BPF_ONLY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon"

# A cgroup of its own for the label case, traced alone with --cgroup.
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || fail "no cgroup2 file system mounted"
CG=$cg2/ptcopy-faults.$$
mkdir "$CG" || fail "cannot create cgroup $CG"
trap 'rmdir "$CG" 2>/dev/null || true; cleanup' EXIT

faults() {
	# --- tracefs neither mounted nor mountable: not needed, and not mounted ---
	"$WORK/notracefs" "$PTCOPY" --probe > "$WORK/probe.out" 2>&1 ||
		fail "ptcopy --probe without tracefs: $(cat "$WORK/probe.out")"
	grep -q '^tracefs  *no: not mounted (not needed' "$WORK/probe.out" ||
		fail "--probe without tracefs: $(grep tracefs "$WORK/probe.out")"
	grep -q '^tier tracepoint  *available' "$WORK/probe.out" || fail "tier tracepoint refused without tracefs"
	PTCOPY_WRAP=$WORK/notracefs traces_exactly notracefs
	echo "ok: without tracefs and CAP_SYS_ADMIN, ptcopy traces forkload's 2 forks"
	# ptcopy mounts nothing, even where it could.
	unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null
		$PTCOPY --probe > /dev/null 2>&1; ! grep -w tracefs /proc/self/mounts" ||
		fail "ptcopy --probe mounted tracefs"
	echo "ok: ptcopy --probe mounts no tracefs"

	# --- only CAP_BPF and CAP_PERFMON, as user nobody: what README says is
	# enough (libbpf must not need CAP_SYS_ADMIN to enumerate module BTF) ---
	PTCOPY_WRAP="$BPF_ONLY" traces_exactly bpfonly
	echo "ok: uid 65534 with CAP_BPF and CAP_PERFMON alone traces forkload's 2 forks"

	# --- BTF missing: absent, and present but not BTF ---
	expect 1 "kernel BTF unavailable (/sys/kernel/btf/vmlinux: No such file or directory" \
		unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $PTCOPY"
	expect 1 "kernel BTF unavailable (/sys/kernel/btf/vmlinux cannot be parsed)" \
		unshare -m sh -c "mount --bind /dev/null /sys/kernel/btf/vmlinux && exec $PTCOPY"

	# --- a tracepoint missing: the tier that needs it is refused by name, the
	# choice falls back, and forcing it fails naming it ---
	"$PTCOPY" --probe > "$WORK/probe.out" 2>&1 || fail "ptcopy --probe: $(cat "$WORK/probe.out")"
	if grep -q '^copy_pte tracepoints  *no: missing copy_pte:' "$WORK/probe.out"; then
		missing=$(sed -n 's/^copy_pte tracepoints  *no: missing \(copy_pte:[a-z_]*\)$/\1/p' "$WORK/probe.out")
		grep -qF "tier patched          unavailable: kernel not patched: tracepoint $missing is missing" \
			"$WORK/probe.out" || fail "--probe does not refuse tier patched naming $missing"
		chosen=$(sed -n 's/^chosen  *\([a-z]*\):.*/\1/p' "$WORK/probe.out")
		[ -n "$chosen" ] && [ "$chosen" != patched ] || fail "--probe chose '$chosen' without $missing"
		traces_exactly fallback
		grep -q "with tier $chosen " "$WORK/fallback.err" || fail "the run did not fall back to $chosen"
		echo "ok: without $missing, tier $chosen is chosen and traces exactly"
		expect 1 "tier patched unavailable: kernel not patched: tracepoint $missing is missing" \
			"$PTCOPY" --tier=patched
		rc=0
		"$PTCOPY" --probe --tier=patched > "$WORK/out" 2>&1 || rc=$?
		[ "$rc" -eq 1 ] || fail "--probe --tier=patched exited $rc, want 1"
		grep -qF "chosen                none: tier patched unavailable: kernel not patched: tracepoint $missing is missing" \
			"$WORK/out" || fail "--probe --tier=patched: $(grep chosen "$WORK/out")"
		no_progs_left "after --probe --tier=patched"
	else
		echo "note: this kernel has the copy_pte tracepoints: no tracepoint is missing to test"
	fi

	# --- a program the kernel refuses: a forced tier whose programs this
	# kernel rejects (the probe loads one of each kind for real) ---
	if grep -q '^fentry  *no: fentry program refused: ' "$WORK/probe.out"; then
		why=$(sed -n 's/^fentry  *no: \(.*\)$/\1/p' "$WORK/probe.out")
		expect 1 "tier fentry unavailable: $why" "$PTCOPY" --tier=fentry
	fi

	# --- RLIMIT_MEMLOCK of 0: kernels since 5.11 charge BPF memory to the
	# memory cgroup, and libbpf raises the limit itself where they do not
	# (check_memlock) ---
	prlimit --memlock=0:0 "$PTCOPY" --probe > /dev/null 2>&1 ||
		fail "ptcopy --probe under RLIMIT_MEMLOCK 0 failed to load"
	PTCOPY_WRAP="prlimit --memlock=0:0" traces_exactly memlock0 check_memlock
	echo "ok: RLIMIT_MEMLOCK 0 loads and traces forkload's 2 forks"

	# --- the label map full: 150 comm values against ptcopy's 128. The forks
	# happen in a cgroup of their own, traced alone (--cgroup): the driver
	# shell (bash) forks first, its comm the first value, then each of
	# ptx001..ptx150 once (only builtins besides: 150 forks each side).
	# Values past the 128th fold into "other", counted ---
	start_ptcopy labels -j --cgroup "$CG"
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 1
		for ((i = 1; i <= 150; i++)); do
			# rename, then fork /bin/true (the trailing exit keeps the fork)
			(printf "ptx%03d" "$i" > /proc/self/comm && /bin/true; rc=$?; exit $rc) || exit 1
		done' driver "$CG" || fail "the driver of 150 comm values failed"
	stop_ptcopy INT
	driver=$(summary "$WORK/labels.out" '.labels[] | select(.comm == "bash") | .forks')
	[ "$driver" = 150 ] || fail "the driver shell: '$driver' forks, want 150"
	kept=$(summary "$WORK/labels.out" '[.labels[] | select(.comm) | .comm] | length')
	[ "$kept" -eq 128 ] || fail "$kept comm values kept, want 128"
	ptx=$(summary "$WORK/labels.out" '[.labels[] | select(.comm // "" | startswith("ptx")) | select(.forks == 1)] | length')
	[ "$ptx" -eq 127 ] || fail "$ptx ptx comm values kept with 1 fork each, want ptx001..ptx127"
	other=$(summary "$WORK/labels.out" '.labels[] | select(.label == "other") | .forks')
	[ "$other" = 23 ] || fail "'other' has '$other' forks, want ptx128..ptx150: 23"
	[ "$(summary "$WORK/labels.out" .health.forks_folded)" -eq 23 ] || fail "health.forks_folded is not 23"
	[ "$(summary "$WORK/labels.out" .health.labels_folded)" -eq 23 ] || fail "health.labels_folded is not 23"
	[ "$(summary "$WORK/labels.out" .total.forks)" -eq 300 ] || fail "total forks is not 300"
	echo "ok: 128 comm values kept, 23 folded into other (23 forks), total 300 exact"

	# --- the ring buffer overrun: ptcopy stopped (SIGSTOP) while forkload forks
	# more often than the 256 KiB ring buffer holds records; after SIGCONT every
	# fork is either a line or counted in events_lost, and the summary is exact ---
	FORKS=3000
	start_ptcopy storm -c forkload -j --forks
	kill -STOP "$PTCOPY_PID"
	"$FORKLOAD" --size 1 --forks $FORKS -q > "$WORK/storm.json"
	kill -CONT "$PTCOPY_PID"
	ok=$(jq -r 'select(.type == "summary") | .ok' "$WORK/storm.json")
	[ "$ok" -eq $FORKS ] || fail "forkload made $ok of $FORKS forks"
	# let it drain what the buffer held before it is stopped
	sleep 1
	stop_ptcopy INT
	lines=$(jq -s 'map(select(.type == "fork")) | length' "$WORK/storm.out")
	lost=$(summary "$WORK/storm.out" .health.events_lost)
	total=$(summary "$WORK/storm.out" .total.forks)
	[ "$total" -eq $FORKS ] || fail "summary counts $total forks, forkload made $FORKS"
	[ "$lost" -gt 0 ] || fail "no fork record lost: the ring buffer did not overrun ($lines lines)"
	[ $((lines + lost)) -eq $FORKS ] || fail "$lines fork lines + $lost lost != $FORKS forks"
	echo "ok: $FORKS forks with the reader stopped: $lines lines, $lost counted in events_lost, summary $total"
}

plain_then_sanitized PTCOPY ptcopy faults
