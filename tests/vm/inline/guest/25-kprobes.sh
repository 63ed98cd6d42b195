# Which of the inline tier's kprobes the kernel optimized (a jump, no int3
# trap): ptcopy alone (no tracefs kprobes near its sites), attached by
# itself; the kernel's list of kprobes (debugfs) read while it runs, after
# the optimizer had time to run (it batches optimizations, a few jiffies
# after registration). Then a second session beside it, which finds the
# first one's kprobes in the live text and recognises the text the first
# saved under /run (lib/inline_orig.c); both trace the same forks.
# check.sh holds each site `ptcopy --probe -v` marked [jump] to [OPTIMIZED]
# and the two sessions' counts to each other. Last, with no saved text: a
# `--vmas --tier=kprobe` session first (its kprobe on copy_page_range's
# ftrace site changes the live text there), then an inline session, which
# must recognise the live text (the ftrace site is the one call it accepts
# to an address that is no symbol) and trace beside it. Also, in the
# shipped unit's view of the kernel (tests/vm/lib/unit-sandbox.sh): what
# --probe chooses there, and, beside the first session, whether it
# recognises the saved text with debugfs read-only.
. $TESTS/lib/guest.sh
UNIT=/opt/ptcopy/share/ptcopy_exporter.service
unit() {
	sh $TESTS/lib/unit-sandbox.sh $UNIT "$@"
}
mkdir -p $OUT/kprobes /run && cd $OUT/kprobes || exit 1
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
L=/sys/kernel/debug/kprobes/list
[ -r $L ] || { echo "no $L"; exit 1; }
cat /proc/sys/debug/kprobes-optimization > optimization.txt
rm -f /run/ptcopy/inline-text
ptcopy --probe -v > probe.txt 2>&1
ptcopy --probe -j > probe.json 2> probe.err
unit ptcopy --probe -j > probe-unit.json 2> probe-unit.err
ptcopy -j --forks --comm ptfork > ptcopy.json 2> ptcopy.err &
pt=$!
wait_for ptcopy.err 'Tracing fork page-table copies' $pt || exit 1
sleep 1
cat $L > list.txt
unit ptcopy --probe -v > probe2-unit.txt 2>&1
unit awk '$2 == "/sys/kernel/debug" { o = $4 } END { print o }' /proc/self/mounts > debugfs-unit.txt
ptcopy --probe -v > probe2.txt 2>&1
ptcopy -j --forks --comm ptfork > ptcopy2.json 2> ptcopy2.err &
pt2=$!
wait_for ptcopy2.err 'Tracing fork page-table copies' $pt2 || exit 1
sleep 1
cat $L > list-two.txt
ptfork --size 64 --forks 2 > workload.out
kill -INT $pt2
wait $pt2
echo $? > ptcopy2.rc
kill -INT $pt
wait $pt
echo $? > ptcopy.rc
cat $L > list-detached.txt

# after a --vmas session's kprobe, no saved text
rm -f /run/ptcopy/inline-text
ptcopy -j --forks --comm ptfork --vmas --tier=kprobe > vmas.json 2> vmas.err &
pv=$!
wait_for vmas.err 'Tracing fork page-table copies' $pv || exit 1
cat $L > list-vmas.txt
ptcopy --probe -v > probe3.txt 2>&1
ptcopy -j --forks --comm ptfork > ptcopy3.json 2> ptcopy3.err &
pt3=$!
wait_for ptcopy3.err 'Tracing fork page-table copies' $pt3 || exit 1
ptfork --size 64 --forks 2 > workload3.out
kill -INT $pt3
wait $pt3
echo $? > ptcopy3.rc
kill -INT $pv
wait $pv
echo $? > vmas.rc
