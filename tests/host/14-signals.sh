#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP: ptcopy prints its final summary, exits 0 and
# detaches everything; the forks traced before the signal are in the summary.
. tests/host/lib.sh
need_root

for sig in INT TERM HUP; do
	start_ptcopy "$sig" -j
	"$FORKLOAD" --size 32 --forks 3 > "$WORK/forkload.json"
	sleep 0.2
	stop_ptcopy "$sig"
	n=$(jq -s 'map(select(.type == "summary")) | length' "$WORK/$sig.out")
	[ "$n" -eq 1 ] || fail "SIG$sig: $n summaries printed, expected the final one"
	forks=$(jq -s 'map(select(.type == "summary")) | last | .labels[] | select(.comm == "forkload") | .forks' "$WORK/$sig.out")
	[ "$forks" -eq 3 ] || fail "SIG$sig: final summary counts $forks forkload forks, expected 3"
	echo "SIG$sig: final summary with 3 forks, exit 0, nothing left loaded"
done

# SIGKILL cannot be handled: the kernel drops the links with the process.
start_ptcopy KILL -j
kill -KILL "$PTCOPY_PID"
wait "$PTCOPY_PID" || true
PTCOPY_PID=
no_progs_left "after SIGKILL"
echo "SIGKILL: nothing left loaded"
