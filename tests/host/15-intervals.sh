#!/usr/bin/env bash
# ptcopy -j 1 3: three one-second reports, then it exits by itself; each
# report holds that interval's forks only, and they add up to all of them.
. tests/host/lib.sh
need_root

start_ptcopy iv -j 1 3
"$FORKLOAD" --size 32 --forks 6 --interval-ms 300 > "$WORK/forkload.json"
rc=0
wait "$PTCOPY_PID" || rc=$?
PTCOPY_PID=
[ "$rc" -eq 0 ] || fail "ptcopy -j 1 3 exited $rc"
no_progs_left "after ptcopy -j 1 3"
n=$(jq -s 'map(select(.type == "summary")) | length' "$WORK/iv.out")
[ "$n" -eq 3 ] || fail "expected 3 reports, got $n"
jq -s -r 'map(select(.type == "summary")) | .[] | .interval_ns' "$WORK/iv.out" | while read -r ns; do
	[ "$ns" -ge 900000000 ] && [ "$ns" -le 1500000000 ] || fail "a report covers $ns ns, not ~1 s"
done
sum=$(jq -s '[map(select(.type == "summary"))[] | .labels[] | select(.comm == "forkload") | .forks] | add' "$WORK/iv.out")
[ "$sum" -eq 6 ] || fail "reports add up to $sum forkload forks, expected 6"
per=$(jq -s -c '[map(select(.type == "summary"))[] | ([.labels[] | select(.comm == "forkload") | .forks] | add // 0)]' "$WORK/iv.out")
echo "forkload forks per 1 s report: $per (sum 6)"

# text mode, with -T and -m: the histogram and the table are there
start_ptcopy text -T -m 1 1
"$FORKLOAD" --size 64 --forks 2 > /dev/null
wait "$PTCOPY_PID" || fail "ptcopy -T -m 1 1 failed"
PTCOPY_PID=
grep -q "msecs               : count    distribution" "$WORK/text.out" || fail "no msecs histogram in: $(cat "$WORK/text.out")"
grep -Eq "^forkload +2 " "$WORK/text.out" || fail "no forkload row with 2 forks in: $(cat "$WORK/text.out")"
grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$WORK/text.out" || fail "no -T timestamp line"
