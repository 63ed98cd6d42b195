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
# On the patched kernel the copy_pte events are traced in the same run, and
# a third session, --tier=inline with its own record-inline.json, has its
# pass ranges held to them (the main session is patched there, so this is
# the only inline one).
. $TESTS/lib/guest.sh
mkdir -p /mnt/vmas
mount -t ramfs ramfs /mnt/vmas || exit 1
cat /sys/kernel/mm/transparent_hugepage/enabled > thp.txt 2>&1

rc=0
PORT=10368
URL=http://127.0.0.1:$PORT/metrics
ptcopy_exporter --vmas --bpf-stats --tier=fentry --web.listen-address=127.0.0.1:$PORT 2> exporter.log &
exp=$!
ok=1
wait_for exporter.log 'msg="listening on' $exp || ok=0
# the kernel as the -j session will find it, the exporter's programs
# attached: the tier it will choose, whether the inline tier locates a
# pass's range
ptcopy --probe -v > probe.txt 2>&1
# one after the other (attaching takes seconds under TCG), each only once
# the one before it traces: a background job of this shell starts with
# SIGINT ignored, so a ptcopy sent SIGINT before it set its handler would
# never end and the wait below hang. Text mode says it is tracing on
# standard output.
pj= pi= pt=
if [ $ok = 1 ]; then
	ptcopy -j --forks --vmas=16 --record=record.json > ptcopy.json 2> ptcopy.err &
	pj=$!
	wait_for ptcopy.err 'Tracing fork page-table copies' $pj || ok=0
fi
# after the patched session, as in inlinetruth: the inline tier then
# recognises the code with the tracepoints' static keys on; before the
# kprobe session, so that the text it reads has none of its kprobes
if [ $ok = 1 ] && [ "$PTCOPY_VARIANT" = patched ]; then
	ptcopy --tier=inline --forks -j --record=record-inline.json > inline.json 2> inline.err &
	pi=$!
	wait_for inline.err 'Tracing fork page-table copies' $pi || ok=0
fi
if [ $ok = 1 ]; then
	ptcopy --forks --vmas --tier=kprobe > ptcopy.txt 2> ptcopy-text.err &
	pt=$!
	wait_for ptcopy.txt 'Tracing fork page-table copies' $pt || ok=0
fi
if [ $ok = 1 ]; then
	trace_begin
	traced vmafork --arena 128 --forks 5 /mnt/vmas/file > workload.out
	echo $? > workload.rc
	trace_end
	wget -q -O after.prom $URL || rc=1
else
	echo "ptcopy did not attach"
	rc=1
fi
# only the sessions started: "wait" without a pid waits for the exporter
kill -INT $pj $pi $pt 2> /dev/null
if [ -n "$pj" ]; then
	wait $pj
	echo $? > ptcopy.rc
fi
if [ -n "$pi" ]; then
	wait $pi
	echo $? > inline.rc
fi
if [ -n "$pt" ]; then
	wait $pt
	echo $? > ptcopy-text.rc
fi
kill -TERM $exp 2> /dev/null
wait $exp
echo $? > exporter.rc
rm -f /mnt/vmas/file
umount /mnt/vmas
exit $rc
