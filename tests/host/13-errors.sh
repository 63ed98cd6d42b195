#!/usr/bin/env bash
# Every error: one line on stderr naming the problem, exit 2 for usage and 1
# otherwise, and nothing left loaded.
. tests/host/lib.sh
need_root

expect 2 "invalid PID 'abc'" "$PTCOPY" -p abc
expect 2 "unrecognized option '--nope'" "$PTCOPY" --nope
expect 2 "invalid interval '0'" "$PTCOPY" 0
expect 2 "invalid tier 'bogus'" "$PTCOPY" --tier=bogus
expect 2 "invalid frame 'bogus': expected mmap_lock, fentry or auto" "$PTCOPY" --frame=bogus
expect 2 "option '--comm' requires an argument" "$PTCOPY" --comm
expect 2 "invalid --vmas count '0': expected 1 to 16" "$PTCOPY" --vmas=0

# a tier this kernel lacks
expect 1 "tier patched unavailable: kernel not patched" "$PTCOPY" --tier=patched
expect 1 "tier fentry unavailable" "$PTCOPY" --tier=fentry
expect 1 "tier kprobe unavailable" "$PTCOPY" --tier=kprobe
# a frame this kernel cannot run (no fentry here), and --probe says why too
if ! "$PTCOPY" --probe | grep -q '^fentry  *yes'; then
	expect 1 "frame fentry cannot run here: fentry unavailable" "$PTCOPY" --frame=fentry
	expect 1 "frame fentry cannot run here: fentry unavailable" "$PTCOPY" --probe --frame=fentry
fi

# --vmas where neither fentry nor kprobes reach copy_page_range (this host)
if ! "$PTCOPY" --probe | grep -q '^fentry  *yes' && ! "$PTCOPY" --probe | grep -q '^kprobes  *yes'; then
	expect 1 "--vmas: copy_page_range() cannot be probed: neither fentry nor kprobes work here" \
		"$PTCOPY" --vmas
fi

# a cgroup path that is not a cgroup
expect 1 "--cgroup /tmp: not a cgroup v2 directory" "$PTCOPY" --cgroup /tmp
expect 1 "--cgroup /nonexistent: No such file or directory" "$PTCOPY" --cgroup /nonexistent

# not root: an unprivileged user has neither CAP_BPF nor CAP_PERFMON
expect 1 "need root, or CAP_BPF and CAP_PERFMON" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$PTCOPY"

# BTF missing, tracefs missing, memory limits, full maps, overruns:
# tests/host/21-kernel-faults.sh.

# No syscall tracepoint is needed (the window hooks only mmap_lock): with the
# syscall events hidden in tracefs, ptcopy still traces, and a fork too.
tracefs=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
[ -n "$tracefs" ] || mount -t tracefs nodev /sys/kernel/tracing
tracefs=${tracefs:-/sys/kernel/tracing}
rc=0
unshare -m sh -c "mount -t tmpfs none $tracefs/events/syscalls && exec $PTCOPY -c forkload -j 3 1" \
	> "$WORK/nosys.out" 2> "$WORK/nosys.err" &
pid=$!
for i in $(seq 1 200); do
	grep -q "Tracing fork page-table copies" "$WORK/nosys.out" "$WORK/nosys.err" && break
	sleep 0.05
done
"$FORKLOAD" --size 16 --forks 2 -q > /dev/null
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "ptcopy without syscall events exited $rc: $(cat "$WORK/nosys.err")"
[ "$(jq -s 'map(select(.type == "summary")) | map(.total.forks) | add' "$WORK/nosys.out")" -eq 2 ] ||
	fail "ptcopy without syscall events saw no fork: $(cat "$WORK/nosys.out")"
no_progs_left "after the run without syscall events"
