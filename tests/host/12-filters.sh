#!/usr/bin/env bash
# Filters: with -p set to another pid, or -c to another comm, none of
# forkload's forks appear; with -c forkload, only forkload's do.
. tests/host/lib.sh
need_root

sleep 60 &
other=$!
start_ptcopy pid -j --forks -p "$other"
"$FORKLOAD" --size 64 --forks 5 > "$WORK/f1.json"
sleep 0.2
stop_ptcopy TERM
kill "$other"
n=$(jq -c 'select(.type == "fork")' "$WORK/pid.out" | wc -l)
[ "$n" -eq 0 ] || fail "-p $other: $n fork records appeared, expected none"
forks=$(jq -s 'map(select(.type == "summary")) | last | .total.forks' "$WORK/pid.out")
[ "$forks" -eq 0 ] || fail "-p $other: summary counts $forks forks"

start_ptcopy comm -j --forks -c forkload
"$FORKLOAD" --size 64 --forks 5 > "$WORK/f2.json"
sh -c 'true' &
wait $!
sleep 0.2
stop_ptcopy TERM
pid=$(jq -r 'select(.type == "start") | .pid' "$WORK/f2.json")
n=$(jq -c "select(.type == \"fork\" and .pid == $pid)" "$WORK/comm.out" | wc -l)
all=$(jq -c 'select(.type == "fork")' "$WORK/comm.out" | wc -l)
[ "$n" -eq 5 ] || fail "-c forkload: $n of forkload's 5 forks appeared"
[ "$all" -eq 5 ] || fail "-c forkload: $all fork records, expected only forkload's 5"

start_ptcopy nocomm -j --forks -c nosuchcomm
"$FORKLOAD" --size 64 --forks 3 > /dev/null
sleep 0.2
stop_ptcopy TERM
n=$(jq -c 'select(.type == "fork")' "$WORK/nocomm.out" | wc -l)
[ "$n" -eq 0 ] || fail "-c nosuchcomm: $n fork records appeared"

# --cgroup: a fresh cgroup v2 holding forkload, versus forks outside it
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || fail "no cgroup2 file system mounted to test --cgroup on"
cg=$cg2/ptcopy-test-$$
mkdir "$cg" || fail "cannot create cgroup $cg"
trap 'rmdir "$cg" 2>/dev/null; cleanup' EXIT
start_ptcopy cg -j --forks --cgroup "$cg"
sh -c "echo \$\$ > $cg/cgroup.procs && exec $FORKLOAD --size 64 --forks 4" > "$WORK/f3.json"
"$FORKLOAD" --size 64 --forks 2 > /dev/null
sleep 0.2
stop_ptcopy TERM
n=$(jq -c 'select(.type == "fork")' "$WORK/cg.out" | wc -l)
[ "$n" -eq 4 ] || fail "--cgroup: $n fork records, expected the 4 made inside the cgroup"
echo "filters -p, -c and --cgroup hold"
