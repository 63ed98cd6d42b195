# Helpers for guest-side suite scripts (busybox sh; sourced as
# ". $TESTS/lib/guest.sh"). The guest init runs each script with its
# suite's output directory as the working directory and in $OUT; whatever
# the script leaves there comes back to the host.
#
# Tracing: the kernel's own trace buffer is the evidence. A script calls
# trace_begin, runs its workload with traced (which limits the events to
# that process and its descendants), then trace_end, which saves:
#   trace.txt        the trace buffer as text
#   trace-stats.txt  per-CPU ring buffer statistics (overruns = lost events)
#   events.txt       "copy_pte_events=present|absent"

T=/sys/kernel/tracing

# The patched kernel has the copy_pte events; the unpatched one does not
have_copy_pte() {
	[ -d $T/events/copy_pte ]
}

# trace_begin [EVENT_DIR...]: clear the buffer and enable the copy_pte events
# (if the kernel has them) and any other event directories given, e.g.
# "sched/sched_switch".
trace_begin() {
	echo 0 > $T/tracing_on
	echo 0 > $T/events/enable
	# The forking task may move between CPUs: one clock for all of them
	echo global > $T/trace_clock
	echo 16384 > $T/buffer_size_kb
	echo > $T/trace
	if have_copy_pte; then
		echo "copy_pte_events=present" > events.txt
		echo 1 > $T/events/copy_pte/enable
	else
		echo "copy_pte_events=absent" > events.txt
	fi
	for e in "$@"; do
		echo 1 > $T/events/$e/enable
	done
	# Follow the traced process's children: failnext runs the workload in one
	echo 1 > $T/options/event-fork
	echo 1 > $T/tracing_on
}

# traced CMD [ARG...]: run CMD with events recorded for it and its children
# only (trace_marker lines are recorded from everyone).
traced() {
	sh -c 'echo $$ > '$T'/set_event_pid; exec "$@"' traced "$@"
}

trace_end() {
	echo 0 > $T/tracing_on
	cat $T/trace > trace.txt
	for c in $T/per_cpu/cpu*; do
		echo "$(basename $c) $(tr '\n' ' ' < $c/stats)"
	done > trace-stats.txt
	echo 0 > $T/events/enable
	echo > $T/set_event_pid
	echo 0 > $T/options/event-fork
	echo > $T/trace
}

# zram_swap_on SIZE: swap on a compressed RAM disk, the only swap device
zram_swap_on() {
	echo "$1" > /sys/block/zram0/disksize
	mkswap /dev/zram0 > /dev/null
	swapon /dev/zram0
}

zram_swap_off() {
	swapoff /dev/zram0
	echo 1 > /sys/block/zram0/reset
}

# wait_for FILE PATTERN PID: until PATTERN is in FILE (60 s), or PID died
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || { echo "process $3 died: $(cat "$1")"; return 1; }
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "timed out waiting for '$2' in $1"; return 1; }
		sleep 0.1
	done
}
