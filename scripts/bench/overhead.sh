#!/usr/bin/env bash
# The tracer's overhead on the thing it watches: median fork wall time of
# forkload untraced and traced by ptcopy, measured side by side in one run
# (rounds alternate, so both see the same machine), printed as a ratio.
#
# usage: scripts/bench/overhead.sh [SIZE_MIB [FORKS_PER_ROUND [ROUNDS]]]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
size=${1:-1024}
forks=${2:-10}
rounds=${3:-4}
work=$(mktemp -d)
trap 'kill "${pt:-}" 2>/dev/null; rm -rf "$work"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "overhead: needs root" >&2; exit 1; }

walls() {	# forkload's per-fork wall times, one per line
	jq -r 'select(.type == "fork" and .ok) | .wall_ns'
}

traced_round() {
	"$build/ptcopy" -j --forks > "$work/trace.$1" 2> "$work/err" &
	pt=$!
	until grep -q "Tracing fork" "$work/err"; do sleep 0.05; done
	"$build/forkload" --size "$size" --forks "$forks" | walls >> "$work/traced"
	kill -INT "$pt"
	wait "$pt"
	pt=
}

for r in $(seq 1 "$rounds"); do
	"$build/forkload" --size "$size" --forks "$forks" | walls >> "$work/untraced"
	traced_round "$r"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mu=$(median "$work/untraced")
mt=$(median "$work/traced")
n=$(wc -l < "$work/traced")
windows=$(cat "$work"/trace.* | jq -r 'select(.type == "fork" and .comm == "forkload") | .window_ns' | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
printf 'forkload %d MiB, %d forks each way (%d rounds of %d, alternating)\n' "$size" "$n" "$rounds" "$forks"
awk -v mu="$mu" -v mt="$mt" -v w="$windows" 'BEGIN {
	printf "median fork wall time: untraced %.3f ms, traced %.3f ms\n", mu / 1e6, mt / 1e6
	printf "median copy window seen by ptcopy: %.3f ms\n", w / 1e6
	printf "overhead ratio traced/untraced: %.3f\n", mt / mu
}'
