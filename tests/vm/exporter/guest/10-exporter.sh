# ptcopy_exporter and ptcopy side by side through the kernel-patch
# workloads (as the fork, lockbreak, swapcont, contfail and prealloc suites
# run them): scrapes before, between the two swap workloads and after; a
# final ptcopy -j report to compare with. The host checker compares.
. $TESTS/lib/guest.sh
PORT=10368
URL=http://127.0.0.1:$PORT/metrics

for t in ptcopy_exporter ptcopy ptfork swapfork pinfork failnext; do
	command -v $t > /dev/null || { echo "$t is not in the initramfs (make static builds build/static/$t)"; exit 1; }
done

# Both tools on one tier. Where the inline tier would be chosen (the
# unpatched lab kernels), both run tier fentry: the second inline session
# reads the first one's kprobes in copy_page_range's text and refuses, so
# which tool got inline depended on which attached first (CI saw both).
tier=
ptcopy --probe -j > probe.json 2> probe.err
grep -q '"chosen": *"inline"' probe.json && tier=--tier=fentry
ptcopy_exporter $tier --web.listen-address=127.0.0.1:$PORT 2> exporter.log &
exp=$!
ptcopy -j $tier > ptcopy.json 2> ptcopy.err &
pt=$!
# The next suites must not run with either of them still attached.
if ! wait_for exporter.log 'msg="listening on' $exp ||
	! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
	kill $exp $pt 2>/dev/null
	wait
	exit 1
fi
grep CapEff /proc/$exp/status > exporter-caps.txt

rc=0
wget -q -O before.prom $URL || rc=1
ptfork --size 256 --forks 2 > fork.out || rc=1
ptfork --size 512 --forks 10 --hog > lockbreak.out || rc=1
# Each swap workload on a fresh swap device: continuation pages stay
# attached to a device until swapoff, and contfail needs to allocate one.
zram_swap_on 64M
failnext add_swap_count_continuation 1 -- swapfork --children 64 > swapcont.out || rc=1
zram_swap_off
wget -q -O mid.prom $URL || rc=1
zram_swap_on 64M
failnext add_swap_count_continuation 2 -- swapfork --children 64 > contfail.out || rc=1
zram_swap_off
pinfork --pages 64 --pinned 4 --forks 2 > prealloc.out || rc=1
wget -q -O after.prom $URL || rc=1
wget -q -O after.om --header 'Accept: application/openmetrics-text; version=1.0.0' $URL || rc=1

kill -INT $pt
wait $pt
echo $? > ptcopy.rc
kill -TERM $exp
wait $exp
echo $? > exporter.rc
exit $rc
