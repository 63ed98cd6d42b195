#!/usr/bin/env bash
# Fork latency with nothing traced on a lab kernel (tests/vm/forkcost/guest):
# every fork kept, the copy_pte events off on the patched kernel and absent
# on the unpatched one. The figures are shown, nothing about speed is
# asserted: one boot each is no comparison (scripts/bench/patch-cost.sh,
# run by `make bench-vm`, alternates boots and prints the target).
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
[ -s "$out/forks.txt" ] || { fail "the guest brought back no forks.txt"; finish; }
want_forks=$(sed -n 's/.* forks=\([0-9]*\) .*/\1/p' "$out/info.txt")
n=$(grep -c '^[1-9][0-9]*$' "$out/forks.txt" || true)
[ "$n" = $((want_forks - 1)) ] || fail "$n fork times in forks.txt, want $((want_forks - 1)) (the first of $want_forks left out)"
case ${VARIANT:-} in
patched) want=copy_pte=0 ;;
*) want=copy_pte=absent ;;
esac
[ "$(cat "$out/events.txt")" = $want ] || fail "copy_pte events: $(cat "$out/events.txt"), want $want"
# median of a file of numbers
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) printf "%d\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
m=$(median "$out/forks.txt")
observed "$(cat "$out/info.txt"): $n forks, median $((m / 1000)) us [$(($(sort -n "$out/forks.txt" | head -n 1) / 1000))-$(($(sort -n "$out/forks.txt" | tail -n 1) / 1000))]"
if [ -n "${PATCHED_OUT:-}" ] && [ -s "$PATCHED_OUT/forks.txt" ]; then
	p=$(median "$PATCHED_OUT/forks.txt")
	observed "patched/unpatched median, one boot each (no target: see patch-cost.sh): $(awk -v p=$p -v u=$m 'BEGIN { printf "%.4f", p / u }')"
fi
finish
