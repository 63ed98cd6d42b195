#!/usr/bin/env bash
# --labels=cgroup: forkload's 12 forks inside a cgroup of its own appear as
# exactly 12 under that cgroup's path, which stays its label value after the
# cgroup is removed. --labels=none: unlabelled totals only, no folding
# metrics, and the 9 forks of forkload are among them.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl promtool findmnt

cg2=$(findmnt -t cgroup2 -n -o TARGET | head -n 1)
[ -n "$cg2" ] || skip "no cgroup v2 file system is mounted"
CG=$cg2/ptcopy-exporter-test.$$
mkdir "$CG" || fail "cannot create cgroup $CG"
trap 'rmdir "$CG" 2>/dev/null || true; exporter_cleanup' EXIT
label=${CG#"$cg2"}

start_exporter cgroup --labels=cgroup
# The forks happen inside the cgroup: the subshell moves itself, then execs forkload.
(echo "$BASHPID" > "$CG/cgroup.procs" && exec "$FORKLOAD" --size 32 --forks 12 -q) > /dev/null ||
	fail "forkload in $CG failed"
scrape "$WORK/cgroup.prom"
promtool check metrics < "$WORK/cgroup.prom" || fail "promtool check metrics failed on --labels=cgroup"
n=$(metric "$WORK/cgroup.prom" "ptcopy_forks_total{cgroup=\"$label\"}")
[ "$n" -eq 12 ] || fail "ptcopy_forks_total{cgroup=\"$label\"} = $n, want 12"
# Named once, the series keeps its label value when the cgroup goes.
rmdir "$CG" || fail "cannot remove cgroup $CG"
scrape "$WORK/cgroup2.prom"
n=$(metric "$WORK/cgroup2.prom" "ptcopy_forks_total{cgroup=\"$label\"}")
[ "$n" -eq 12 ] || fail "after rmdir: ptcopy_forks_total{cgroup=\"$label\"} = $n, want 12"
! grep -q 'comm=' "$WORK/cgroup.prom" || fail "a comm label with --labels=cgroup"
grep -q '^ptcopy_labels_folded_total ' "$WORK/cgroup.prom" || fail "no ptcopy_labels_folded_total"
stop_exporter TERM

start_exporter none --labels=none
scrape "$WORK/none0.prom"
"$FORKLOAD" --size 32 --forks 9 -q > /dev/null
scrape "$WORK/none1.prom"
promtool check metrics < "$WORK/none1.prom" || fail "promtool check metrics failed on --labels=none"
# Everything on the host forks into the same series: at least forkload's 9.
d=$(( $(metric "$WORK/none1.prom" ptcopy_forks_total) - $(metric "$WORK/none0.prom" ptcopy_forks_total) ))
[ "$d" -ge 9 ] || fail "ptcopy_forks_total rose by $d, want at least forkload's 9"
[ "$(metric "$WORK/none1.prom" 'ptcopy_fork_copy_seconds_bucket{le="+Inf"}')" = \
	"$(metric "$WORK/none1.prom" ptcopy_fork_copy_seconds_count)" ] || fail "+Inf bucket != _count"
! grep -qE '^ptcopy_(forks|fork_copy_seconds_bucket|fork_sibling_stall_seconds_count)\{(comm|cgroup)=' "$WORK/none1.prom" ||
	fail "labelled series with --labels=none"
! grep -q 'folded' "$WORK/none1.prom" || fail "folding metrics with --labels=none"
stop_exporter TERM
echo "ok: 12 forks under cgroup $label, unlabelled totals with --labels=none"
