# ptcopy --vmas over vmafork (tests/vm/workloads/vmafork.c): a 128 MiB
# THP-off arena, an 8 MiB THP arena, a 4 MiB shared anonymous segment, a
# 4 MiB private file mapping on ramfs with every page written, 4 MiB of
# heap; five forks. Two sessions at once: ptcopy -j --forks --vmas=16
# --record=record.json on the tier it chooses (patched on the patched
# kernel, inline elsewhere: passes per mapping; the timeline of every fork)
# and the text view with --tier=kprobe (the per-mapping
# programs then are kprobes too; the README's example);
# ptcopy_exporter --vmas --bpf-stats (tier fentry: one inline session at a
# time) is scraped after the workload: its counts, and what its programs
# cost per run.
# On the patched kernel the copy_pte events are traced in the same run.
. $TESTS/lib/guest.sh
mkdir -p /mnt/vmas
mount -t ramfs ramfs /mnt/vmas || exit 1
cat /sys/kernel/mm/transparent_hugepage/enabled > thp.txt 2>&1

rc=0
PORT=10368
URL=http://127.0.0.1:$PORT/metrics
ptcopy_exporter --vmas --bpf-stats --tier=fentry --web.listen-address=127.0.0.1:$PORT 2> exporter.log &
exp=$!
wait_for exporter.log 'msg="listening on' $exp
# one after the other (attaching takes seconds under TCG); text mode says
# it is tracing on standard output
ptcopy -j --forks --vmas=16 --record=record.json > ptcopy.json 2> ptcopy.err &
pj=$!
wait_for ptcopy.err 'Tracing fork page-table copies' $pj
ptcopy --forks --vmas --tier=kprobe > ptcopy.txt 2> ptcopy-text.err &
pt=$!
if wait_for exporter.log 'msg="listening on' $exp &&
	wait_for ptcopy.err 'Tracing fork page-table copies' $pj &&
	wait_for ptcopy.txt 'Tracing fork page-table copies' $pt; then
	trace_begin
	traced vmafork --arena 128 --forks 5 /mnt/vmas/file > workload.out
	echo $? > workload.rc
	trace_end
	wget -q -O after.prom $URL || rc=1
else
	echo "ptcopy did not attach"
	rc=1
fi
kill -INT $pj $pt 2> /dev/null
wait $pj
echo $? > ptcopy.rc
wait $pt
echo $? > ptcopy-text.rc
kill -TERM $exp 2> /dev/null
wait $exp
echo $? > exporter.rc
rm -f /mnt/vmas/file
umount /mnt/vmas
exit $rc
