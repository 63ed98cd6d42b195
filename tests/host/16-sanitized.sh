#!/usr/bin/env bash
# The ASan+UBSan build of ptcopy through a real session: forks, a report per
# interval, text and JSON, a signal at the end. Any memory error or undefined
# behaviour aborts it with a non-zero exit.
# host-san: no (it is the sanitized tracer's own test)
. tests/host/lib.sh
need_root
SAN=${SAN_BUILD:-build/san}
[ -x "$SAN/ptcopy" ] || fail "$SAN/ptcopy missing: run make OUTPUT=$SAN SANITIZE=1"
PTCOPY=$SAN/ptcopy

start_ptcopy json -j --forks -T 1
"$FORKLOAD" --size 64 --forks 5 --fault-threads 1 > /dev/null
sleep 1.2
stop_ptcopy TERM
[ "$(jq -c 'select(.type == "fork")' "$WORK/json.out" | wc -l)" -ge 5 ] || fail "sanitized ptcopy missed forks"

start_ptcopy text --forks -T -n
"$FORKLOAD" --size 64 --forks 3 > /dev/null
sleep 0.2
stop_ptcopy INT
grep -q "nsecs" "$WORK/text.out" || fail "no nsecs histogram"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$WORK/json.err" "$WORK/text.err" || fail "sanitizer reports: $(cat "$WORK"/*.err)"
"$PTCOPY" --probe > /dev/null || fail "sanitized ptcopy --probe failed"
echo "sanitized ptcopy: clean"
