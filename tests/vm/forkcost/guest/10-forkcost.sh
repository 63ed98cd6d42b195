# Fork latency with no tracer attached: what carrying kernel-patch/ costs
# with its events off (issue 9: the patched kernel within +-0.5% of the
# unpatched one of the same version). The patched and unpatched lab kernels
# are built from one source and config; this script runs the same forkload
# on each, nothing traced, and keeps each fork's wall time. One boot gives
# one kernel's figure: scripts/bench/patch-cost.sh alternates boots of the
# two and makes the comparison (`make bench-vm`); in make test this runs
# small in the lab kernels' existing boots, so that it cannot rot.
#
# Kernel command line: ptcopy.forkcost=full (1 GiB, 51 forks: the first,
# which write-protects every PTE of the parent, left out, 50 kept), else a
# smoke run (64 MiB, 6 forks).
# Output: forks.txt (one wall time in ns per fork kept), info.txt,
# events.txt (the copy_pte events' enable state: they must be off).
. $TESTS/lib/guest.sh
mode= icount=
for w in $(cat /proc/cmdline); do
	case $w in
	ptcopy.forkcost=*) mode=${w#*=} ;;
	ptcopy.icount=*) icount=${w#*=} ;;	# the clock counts instructions
	esac
done
if [ "$mode" = full ]; then
	size=1024 forks=51
else
	size=64 forks=6
fi
# Off means off: no copy_pte event enabled (the patched kernel's
# tracepoints are static keys, NOPs until enabled); none on the unpatched
if have_copy_pte; then
	echo "copy_pte=$(cat $T/events/copy_pte/enable)" > events.txt
else
	echo "copy_pte=absent" > events.txt
fi
echo "mode=${mode:-smoke} size_mib=$size forks=$forks kernel=$(uname -r) thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled)${icount:+ icount=$icount}" > info.txt
forkload --size $size --forks $forks > forkload.json || exit 1
# wall_ns of every fork that worked, the first left out
sed -n 's/.*"type":"fork".*"wall_ns":\([0-9]*\).*"ok":true.*/\1/p' forkload.json | tail -n +2 > forks.txt
[ "$(wc -l < forks.txt)" -eq $((forks - 1)) ] || { echo "forkload: $(wc -l < forks.txt) good forks of $forks"; exit 1; }
