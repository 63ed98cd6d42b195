#!/usr/bin/env bash
# ptcopy_exporter against faults on the kernel side (tests/host/21 holds
# ptcopy to the same). A fault that stops it is one logfmt error record and
# exit 1 with no program, link or map of ours left; what it does not need
# (tracefs, CAP_SYS_ADMIN, RLIMIT_MEMLOCK under memory-cgroup accounting)
# is no fault and it counts exactly without it; at run time a full label
# map is a counted loss with the totals exact, and a stopped exporter loses
# nothing (it asks BPF for no per-fork records, only aggregates). All of it
# twice: the normal build and the ASan+UBSan one.
# host-san: no (runs every case on both builds itself)
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl jq prlimit unshare
F='comm="forkload"'

# refused CODE PATTERN [WRAPPER...] -- ARGS...: the exporter (under WRAPPER)
# exits CODE with one error record matching PATTERN, and nothing is left.
refused() {
	local code=$1 pattern=$2 rc=0 wrap=()
	shift 2
	while [ "$1" != -- ]; do
		wrap+=("$1")
		shift
	done
	shift
	"${wrap[@]}" "$EXPORTER" --web.listen-address=127.0.0.1:0 "$@" \
		> "$WORK/out" 2> "$WORK/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "${wrap[*]} exporter $*: exit $rc, want $code: $(cat "$WORK/err")"
	# PATTERN is plain text: escaped for one_error_line's regular expression
	one_error_line "$WORK/err" "$(printf '%s' "$pattern" | sed 's/[][\.*^$()+?{}|]/\\&/g')"
	no_progs_left "after: ${wrap[*]} exporter $*"
	echo "ok: exit $rc: $(cat "$WORK/err")"
}

# counts_exactly NAME [ARGS...]: the exporter (EXPORTER_WRAP) counts
# forkload's 3 forks and stops cleanly; CHECK_ATTACHED PID NAME, if set,
# runs while it serves.
CHECK_ATTACHED=
counts_exactly() {
	local name=$1 n
	shift
	start_exporter "$name" "$@"
	[ -z "$CHECK_ATTACHED" ] || "$CHECK_ATTACHED" "$EXPORTER_PID" "$name"
	"$FORKLOAD" --size 8 --forks 3 -q > /dev/null
	scrape "$WORK/$name.prom"
	n=$(metric "$WORK/$name.prom" "ptcopy_forks_total{$F}")
	[ "$n" -eq 3 ] || fail "$name: ptcopy_forks_total{$F} = $n, forkload made 3"
	stop_exporter TERM
}

# The exporter (the wrapper's arguments) in a private mount namespace
# without tracefs (debugfs too: its tracing directory would mount tracefs
# again) and without CAP_SYS_ADMIN.
cat > "$WORK/notracefs" <<'EOF'
#!/bin/sh
exec unshare -m sh -c '
	umount -l /sys/kernel/tracing 2>/dev/null
	umount -l /sys/kernel/debug 2>/dev/null
	if grep -qw tracefs /proc/self/mounts; then echo "tracefs still mounted" >&2; exit 3; fi
	exec setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$@"' sh "$@"
EOF
chmod +x "$WORK/notracefs"

# A memory cgroup: BPF memory is charged there (since Linux 5.11, instead
# of RLIMIT_MEMLOCK).
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	MEMCG=/sys/fs/cgroup/memory/ptcopy-faults.$$	# cgroup v1 memory controller
	LIMIT=memory.limit_in_bytes
else
	cg2=$(findmnt -t cgroup2 -n -o TARGET | head -n 1)
	grep -qw memory "$cg2/cgroup.controllers" || fail "no memory cgroup controller to test with"
	echo +memory > "$cg2/cgroup.subtree_control"
	MEMCG=$cg2/ptcopy-faults.$$
	LIMIT=memory.max
fi
mkdir "$MEMCG" || fail "cannot create $MEMCG"
trap 'rmdir "$MEMCG" 2>/dev/null || true; exporter_cleanup' EXIT
echo $((64 << 20)) > "$MEMCG/$LIMIT"

faults() {
	# --- tracefs neither mounted nor mountable, and no CAP_SYS_ADMIN: neither
	# is needed (CAP_BPF and CAP_PERFMON are enough to load and attach) ---
	EXPORTER_WRAP=$WORK/notracefs counts_exactly notracefs
	grep -q 'msg="listening on .*capabilities dropped"' "$WORK/notracefs.log" ||
		fail "no start record without tracefs: $(cat "$WORK/notracefs.log")"
	echo "ok: without tracefs and CAP_SYS_ADMIN the exporter counts forkload's 3 forks"

	# --- only CAP_BPF and CAP_PERFMON, as user nobody (the unit's comment
	# and the man page say so): it starts, counts and drops them ---
	EXPORTER_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon" \
		counts_exactly bpfonly
	echo "ok: uid 65534 with CAP_BPF and CAP_PERFMON alone counts forkload's 3 forks"

	# --- BTF missing: absent, and present but not BTF ---
	refused 1 "kernel BTF unavailable (/sys/kernel/btf/vmlinux: No such file or directory" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh --
	refused 1 "kernel BTF unavailable (/sys/kernel/btf/vmlinux cannot be parsed)" \
		unshare -m sh -c 'mount --bind /dev/null /sys/kernel/btf/vmlinux && exec "$@"' sh --

	# --- a tracepoint missing, a program the kernel refuses: the tier needing
	# them is refused by name (the probe loads one program of each kind) ---
	"$BUILD/ptcopy" --probe > "$WORK/probe.out" 2>&1 || fail "ptcopy --probe: $(cat "$WORK/probe.out")"
	missing=$(sed -n 's/^copy_pte tracepoints  *no: missing \(copy_pte:[a-z_]*\)$/\1/p' "$WORK/probe.out")
	if [ -n "$missing" ]; then
		refused 1 "tier patched unavailable: kernel not patched: tracepoint $missing is missing" -- \
			--tier=patched
		chosen=$(sed -n 's/^chosen  *\([a-z]*\):.*/\1/p' "$WORK/probe.out")
		counts_exactly fallback
		grep -q "tier $chosen," "$WORK/fallback.log" || fail "the exporter did not fall back to tier $chosen"
	else
		echo "note: this kernel has the copy_pte tracepoints: no tracepoint is missing to test"
	fi
	why=$(sed -n 's/^fentry  *no: \(fentry program refused: .*\)$/\1/p' "$WORK/probe.out")
	[ -z "$why" ] || refused 1 "tier fentry unavailable: $why" -- --tier=fentry

	# --- the memory cgroup's limit: 65536 label values want a ~130 MiB map;
	# in the 64 MiB cgroup its creation fails, named, before anything is
	# attached (the exporter itself needs ~20 MiB, ~40 with ASan) ---
	refused 1 "loading the BPF programs failed: map 'ptcopy_stats': failed to create: Cannot allocate memory" \
		sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$MEMCG" -- --max-label-values=65536

	# --- RLIMIT_MEMLOCK 0: not charged since Linux 5.11; where it is,
	# libbpf raises it (root): check_memlock ---
	EXPORTER_WRAP="prlimit --memlock=0:0" CHECK_ATTACHED=check_memlock counts_exactly memlock0
	echo "ok: RLIMIT_MEMLOCK 0: the exporter counts forkload's 3 forks"

	# --- the label map full: 4 values kept; later ones fold into "other",
	# counted. Other processes of the host fork too, so what is exact is: 4
	# comm values kept, "other" = ptcopy_forks_folded_total, each ptx value
	# kept has its 1 fork, each not kept is in "other" and folded ---
	start_exporter labels --max-label-values=4
	for ((i = 1; i <= 10; i++)); do
		(printf 'ptx%03d' "$i" > /proc/self/comm && /bin/true; rc=$?; exit $rc) ||
			fail "process ptx$i failed"
	done
	scrape "$WORK/labels.prom"
	stop_exporter TERM
	kept=$(grep -c '^ptcopy_forks_total{comm="' "$WORK/labels.prom")
	[ "$kept" -eq 5 ] || fail "$kept comm series, want 4 values and other"
	other=$(metric "$WORK/labels.prom" 'ptcopy_forks_total{comm="other"}')
	[ "$other" -eq "$(metric "$WORK/labels.prom" ptcopy_forks_folded_total)" ] ||
		fail "comm=\"other\" has $other forks, ptcopy_forks_folded_total $(metric "$WORK/labels.prom" ptcopy_forks_folded_total)"
	ours=$(grep -c '^ptcopy_forks_total{comm="ptx[0-9]*"} 1$' "$WORK/labels.prom" || true)
	[ "$ours" -eq "$(grep -c '^ptcopy_forks_total{comm="ptx' "$WORK/labels.prom" || true)" ] ||
		fail "a kept ptx value without exactly 1 fork"
	[ "$other" -ge $((10 - ours)) ] || fail "other has $other forks, but $((10 - ours)) ptx values were not kept"
	folded=$(metric "$WORK/labels.prom" ptcopy_labels_folded_total)
	[ "$folded" -ge $((10 - ours)) ] || fail "ptcopy_labels_folded_total = $folded < $((10 - ours))"
	echo "ok: 4 label values kept ($ours ptx), $folded folded, other = forks folded = $other"

	# --- a stopped exporter (SIGSTOP over 3000 forks): the aggregates live in
	# BPF maps, so none is lost, and no record was asked for or dropped ---
	start_exporter storm
	kill -STOP "$EXPORTER_PID"
	"$FORKLOAD" --size 1 --forks 3000 -q > "$WORK/storm.json"
	kill -CONT "$EXPORTER_PID"
	[ "$(jq -r .ok "$WORK/storm.json")" -eq 3000 ] || fail "forkload made fewer than 3000 forks"
	scrape "$WORK/storm.prom"
	n=$(metric "$WORK/storm.prom" "ptcopy_forks_total{$F}")
	[ "$n" -eq 3000 ] || fail "ptcopy_forks_total{$F} = $n after the stop, forkload made 3000"
	grep -q '^ptcopy_events_lost_total 0$' "$WORK/storm.prom" ||
		fail "fork events lost: $(grep '^ptcopy_events_lost_total' "$WORK/storm.prom")"
	stop_exporter TERM
	echo "ok: 3000 forks counted across SIGSTOP/SIGCONT, no event lost"
}

plain_then_sanitized EXPORTER ptcopy_exporter faults
