#!/usr/bin/env bash
# `make run`: trace this host for ~10 s while the bundled workload forks a
# 1 GiB process (with two threads faulting meanwhile), and print what
# ptcopy saw: each fork of 1 ms or more as it happens, then the report of
# every fork on the host.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
	echo "make run: ptcopy loads BPF programs and needs root (try: sudo make run)" >&2
	exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"; [ -n "${pt:-}" ] && kill "$pt" 2>/dev/null; true' EXIT
"$build/ptcopy" --forks=1 -T 10 1 > "$out" &
pt=$!
tail -n +1 -f --pid="$pt" "$out" &
for _ in $(seq 1 200); do
	grep -q "Tracing fork" "$out" && break
	kill -0 "$pt" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$pt" 2>/dev/null; then
	echo "forkload: 1 GiB, 2 faulting threads, 8 forks 0.5 s apart" >&2
	"$build/forkload" --size 1024 --forks 8 --interval-ms 500 --fault-threads 2 --quiet |
		sed 's/^/forkload: /' >&2
fi
rc=0
wait "$pt" || rc=$?
pt=
wait
exit "$rc"
