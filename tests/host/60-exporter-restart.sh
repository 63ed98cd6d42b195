#!/usr/bin/env bash
# Least privilege and restarts. Once attached the exporter holds no
# capability at all: CapEff, CapPrm, CapInh, CapAmb and the bounding set
# CapBnd are 0 in /proc/PID/status, no_new_privs is set; --help and the man
# page name the capabilities it needs to start. SIGKILL leaves nothing
# loaded or pinned, and a restarted exporter works and counts from zero:
# exactly the forks made after it started. The same for the tracer ptcopy.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl man jq

"$EXPORTER" --help | tr '\n' ' ' | grep -q 'CAP_BPF and CAP_PERFMON (to load' ||
	fail "--help does not name the capabilities needed to start"
# (man justifies its lines: spaces squeezed before matching)
MANWIDTH=200 man -l "$BUILD/doc/ptcopy_exporter.8" 2>/dev/null | tr -s ' ' | grep -q 'CAP_BPF and CAP_PERFMON only to load' ||
	fail "the man page does not name the capabilities needed to start"

start_exporter first
pid=$EXPORTER_PID
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")
	[ "$v" = 0000000000000000 ] || fail "$f is $v once attached, want 0"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" || fail "no_new_privs is not set"
# So is every thread's (the HTTP thread was started after the drop).
for t in /proc/"$pid"/task/*; do
	v=$(awk '$1 == "CapEff:" { print $2 }' "$t/status")
	[ "$v" = 0000000000000000 ] || fail "thread ${t##*/}: CapEff $v"
done
F='comm="forkload"'
"$FORKLOAD" --size 16 --forks 3 > /dev/null
scrape "$WORK/first.prom"
[ "$(metric "$WORK/first.prom" "ptcopy_forks_total{$F}")" -ge 3 ] || fail "the first exporter did not count forkload's forks"

kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
EXPORTER_PID=
no_progs_left "after SIGKILL"
pinned=$(find /sys/fs/bpf -name '*ptcopy*' 2>/dev/null | head -n 3)
[ -z "$pinned" ] || fail "pinned after SIGKILL: $pinned"

start_exporter second
scrape "$WORK/second.prom"
[ "$(metric "$WORK/second.prom" "ptcopy_forks_total{$F}")" = 0 ] ||
	fail "the restarted exporter starts at $(metric "$WORK/second.prom" "ptcopy_forks_total{$F}") forkload forks, want none"
"$FORKLOAD" --size 16 --forks 2 > /dev/null
scrape "$WORK/third.prom"
[ "$(metric "$WORK/third.prom" "ptcopy_forks_total{$F}")" = 2 ] ||
	fail "the restarted exporter counts $(metric "$WORK/third.prom" "ptcopy_forks_total{$F}") forkload forks, want 2"
stop_exporter TERM

# The tracer: SIGKILL, then a restart reports only its own forks.
start_ptcopy killed -j
"$FORKLOAD" --size 16 --forks 3 > /dev/null
kill -KILL "$PTCOPY_PID"
wait "$PTCOPY_PID" 2>/dev/null || true
PTCOPY_PID=
no_progs_left "after ptcopy's SIGKILL"
pinned=$(find /sys/fs/bpf -name '*ptcopy*' 2>/dev/null | head -n 3)
[ -z "$pinned" ] || fail "pinned after ptcopy's SIGKILL: $pinned"
start_ptcopy again -j
"$FORKLOAD" --size 16 --forks 2 > /dev/null
sleep 0.2
stop_ptcopy INT
forks=$(jq -s 'map(select(.type == "summary")) | last | [.labels[] | select(.comm == "forkload") | .forks] | add // 0' "$WORK/again.out")
[ "$forks" -eq 2 ] || fail "the restarted ptcopy reports $forks forkload forks, want 2"
echo "ok: no capability once attached, SIGKILL leaves nothing, a restart counts from zero (exporter and ptcopy)"
