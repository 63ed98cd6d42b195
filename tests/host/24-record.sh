#!/usr/bin/env bash
# ptcopy --record on this host's kernel, tier tracepoint (both sessions:
# the same data; one inline session at a time would split them): the
# window and the sibling stalls, and no mapping slices where nothing
# reaches copy_page_range (this host). forkload's forks with two faulting threads: the file
# validates against the Trace Event Format's schema, has exactly one
# window per fork on forkload's forking thread, named tracks, and stalls
# of the faulting threads inside the windows, as many as the -j records
# count. A second session at the same time with a small --record-limit:
# its file stays within the limit and valid, says the limit was reached
# once, and its records written plus those it counts as lost are its own
# fork records' windows and stalls (not the other session's: a sibling's
# wait that starts between the two sessions' window-close handlers is
# inside one window and not the other, so the sessions may differ by one). Bad files and sizes: one line, nothing attached.
. tests/host/lib.sh
need_root

CHECK=tests/include/trace_check.py

expect 1 "--record: cannot write /nonexistent/dir/t.json: No such file or directory" \
	"$PTCOPY" --record=/nonexistent/dir/t.json
expect 1 "--record: cannot write $WORK: Is a directory" "$PTCOPY" --record="$WORK"
expect 1 "--record: writing /dev/full failed: No space left on device" "$PTCOPY" --record=/dev/full
expect 2 "invalid --record-limit '1K': expected bytes, or K, M, G (4K to 1024G)" \
	"$PTCOPY" --record="$WORK/t.json" --record-limit=1K
expect 2 "invalid --record-limit '12X'" "$PTCOPY" --record="$WORK/t.json" --record-limit=12X
expect 2 "--record-limit needs --record=FILE" "$PTCOPY" --record-limit=1M
expect 2 "option '--record' requires an argument" "$PTCOPY" --record
expect 2 "--probe takes no --forks, --vmas, --record, interval or count" \
	"$PTCOPY" --probe --record="$WORK/t.json"

# the limited session, beside the one start_ptcopy runs
"$PTCOPY" -c forkload --tier=tracepoint -j --forks --record="$WORK/small.json" --record-limit=4K \
	> "$WORK/small.out" 2> "$WORK/small.err" &
small=$!
start_ptcopy trace -c forkload --tier=tracepoint -j --forks --record="$WORK/t.json"
for i in $(seq 1 200); do
	grep -q "Tracing fork page-table copies" "$WORK/small.out" "$WORK/small.err" && break
	sleep 0.05
done
"$FORKLOAD" --size 256 --forks 20 --fault-threads 2 > "$WORK/forkload.json"
sleep 0.3
kill -INT "$small"
rc=0
wait "$small" || rc=$?
[ "$rc" -eq 0 ] || fail "the --record-limit session exited $rc: $(cat "$WORK/small.err")"
stop_ptcopy INT

pid=$(jq -r 'select(.type == "start") | .pid' "$WORK/forkload.json")
python3 "$CHECK" --comm forkload "$WORK/t.json" > "$WORK/check.json" ||
	fail "the recorded trace does not hold (above)"
cat "$WORK/check.json"
jq -e '.counts.window == 20 and .comm.forkload.window == 20' "$WORK/check.json" > /dev/null ||
	fail "want 20 windows of forkload, got $(jq -c .counts "$WORK/check.json")"
# every window on forkload's own (forking) thread, named after it
jq -e --argjson p "$pid" '[.traceEvents[] | select(.cat == "window") |
	select(.pid == $p and .tid == $p and .args.comm == "forkload")] | length == 20' \
	"$WORK/t.json" > /dev/null || fail "windows not on forkload's thread $pid"
jq -e --argjson p "$pid" '[.traceEvents[] | select(.ph == "M" and .name == "process_name" and
	.pid == $p and .args.name == "forkload")] | length == 1' "$WORK/t.json" > /dev/null ||
	fail "no single process_name for forkload $pid"
# the stalls: as many as the fork records count, on the faulting threads
stalls=$(jq -s 'map(select(.type == "fork") | .stalls) | add' "$WORK/trace.out")
got=$(jq '[.traceEvents[] | select(.cat == "stall")] | length' "$WORK/t.json")
[ "$got" -eq "$stalls" ] || fail "$got stall slices, the fork records count $stalls"
[ "$stalls" -gt 0 ] || fail "no sibling stall recorded in 20 forks with 2 faulting threads"
jq -e --argjson p "$pid" '[.traceEvents[] | select(.cat == "stall") | .tid] | unique |
	all(. != $p)' "$WORK/t.json" > /dev/null || fail "a stall on the forking thread"
# what the tier has not: no mapping, pass or instant on tier tracepoint without them
if grep -q "no mapping slices" "$WORK/trace.err"; then
	jq -e '[.traceEvents[] | select(.cat == "vma" or .cat == "pass" or .ph == "i")] |
		length == 0' "$WORK/t.json" > /dev/null || fail "events the tier cannot have"
fi
jq -e '.otherData.records_lost == {"ring_buffer": 0, "size_limit": 0, "no_window": 0}' "$WORK/t.json" \
	> /dev/null || fail "the unlimited session lost records: $(jq -c .otherData "$WORK/t.json")"
echo "recorded: 20 windows, $stalls stalls"

# the limited one
size=$(stat -c %s "$WORK/small.json")
[ "$size" -le 4096 ] || fail "--record-limit=4K: the file has $size bytes"
python3 "$CHECK" "$WORK/small.json" > /dev/null || fail "the limited trace does not hold (above)"
[ "$(grep -c "reached its size limit (4096 bytes, --record-limit)" "$WORK/small.err")" -eq 1 ] ||
	fail "the limit's message is not there once: $(cat "$WORK/small.err")"
grep -q "events lost (0: the ring buffer was full, " "$WORK/small.err" ||
	fail "no count of the lost events: $(cat "$WORK/small.err")"
all=$(jq -s 'map(select(.type == "fork")) | length + (map(.stalls) | add)' "$WORK/small.out")
jq -e --argjson all "$all" '.otherData | .records > 0 and .records_lost.size_limit > 0 and
	.records + .records_lost.size_limit + .records_lost.ring_buffer +
	.records_lost.no_window == $all' \
	"$WORK/small.json" > /dev/null ||
	fail "limited: $(jq -c .otherData "$WORK/small.json"), its fork records count $all windows and stalls"
# the records it says it wrote are the events in it
jq -e '[.traceEvents[] | select(.ph != "M")] | length == $ARGS.named.n' \
	--argjson n "$(jq .otherData.records "$WORK/small.json")" "$WORK/small.json" > /dev/null ||
	fail "the limited file's events are not its otherData.records"
echo "limited to 4 KiB: $size bytes, $(jq -c .otherData.records_lost "$WORK/small.json") lost of $all"
no_progs_left "after both sessions"
