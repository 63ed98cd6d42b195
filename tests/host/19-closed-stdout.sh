#!/usr/bin/env bash
# A closed standard output ends the run (ptcopy(8), EXIT STATUS): with
# `ptcopy --forks | head -n 3` ptcopy exits 0 soon after head, whether forks
# keep coming (the next write fails with EPIPE) or none comes at all (the
# pipe's POLLERR), and leaves no program loaded.
. tests/host/lib.sh
need_root

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_piped NAME LINES ARGS...: ptcopy ARGS | head -n LINES; sets rc and lag_ms
# (ptcopy's exit after head's), fails if ptcopy is still running 30 s after its start.
run_piped() {
	local name=$1 lines=$2
	shift 2
	{ timeout -s KILL 30 "$PTCOPY" "$@" 2> "$WORK/$name.err"; echo $? > "$WORK/$name.rc"; now_ms > "$WORK/$name.end"; } |
		{ head -n "$lines" > "$WORK/$name.out"; now_ms > "$WORK/$name.headend"; }
	rc=$(cat "$WORK/$name.rc" 2>/dev/null || echo 137)
	[ "$rc" -ne 137 ] || fail "$name: ptcopy still running 30 s after start (killed): a closed stdout did not end it"
	lag_ms=$(($(cat "$WORK/$name.end") - $(cat "$WORK/$name.headend")))
	[ "$(wc -l < "$WORK/$name.out")" -eq "$lines" ] || fail "$name: head got $(wc -l < "$WORK/$name.out") lines: $(cat "$WORK/$name.out" "$WORK/$name.err")"
	[ "$rc" -eq 0 ] || fail "$name: ptcopy exited $rc, expected 0: $(cat "$WORK/$name.err")"
	[ "$lag_ms" -lt 5000 ] || fail "$name: ptcopy exited ${lag_ms} ms after head"
	# with -j the "Tracing ..." line goes to stderr; nothing else may
	! grep -v '^Tracing fork page-table copies' "$WORK/$name.err" ||
		fail "$name: ptcopy complained on stderr"
	no_progs_left "after $name"
}

# Forks keep coming: the write of the next fork line fails.
"$FORKLOAD" --size 8 --forks 100000 --interval-ms 20 -q > /dev/null &
LOAD=$!
IDLE=
trap 'kill $LOAD $IDLE 2>/dev/null || true; wait 2>/dev/null || true; cleanup' EXIT
run_piped text 3 --forks -c forkload
grep -q '^PID ' "$WORK/text.out" || fail "text: no fork header: $(cat "$WORK/text.out")"
echo "text, forks coming: exit 0, ${lag_ms} ms after head"
run_piped json 2 -j --forks -c forkload
[ "$(jq -s 'map(select(.type == "fork")) | length' "$WORK/json.out")" -eq 2 ] || fail "json: not two fork lines"
echo "json, forks coming: exit 0, ${lag_ms} ms after head"
kill $LOAD
wait $LOAD 2>/dev/null || true

# No fork at all (a process that never forks): only the pipe's error says it.
sleep 600 &
IDLE=$!
run_piped idle 1 --forks -p $IDLE
kill $IDLE
echo "idle: exit 0, ${lag_ms} ms after head"
