# Which of the inline tier's kprobes the kernel optimized (a jump, no int3
# trap): ptcopy alone (no tracefs kprobes near its sites), attached by
# itself; the kernel's list of kprobes (debugfs) read while it runs, after
# the optimizer had time to run (it batches optimizations, a few jiffies
# after registration), and again after forks went through the sites.
# check.sh holds each site `ptcopy --probe -v` marked [jump] to [OPTIMIZED].
. $TESTS/lib/guest.sh
mkdir -p $OUT/kprobes && cd $OUT/kprobes || exit 1
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -r /sys/kernel/debug/kprobes/list ] || { echo "no /sys/kernel/debug/kprobes/list"; exit 1; }
cat /proc/sys/debug/kprobes-optimization > optimization.txt
ptcopy --probe -v > probe.txt 2>&1
ptcopy -j --forks --comm ptfork > ptcopy.json 2> ptcopy.err &
pt=$!
wait_for ptcopy.err 'Tracing fork page-table copies' $pt || exit 1
sleep 1
cat /sys/kernel/debug/kprobes/list > list.txt
ptfork --size 64 --forks 2 > workload.out
cat /sys/kernel/debug/kprobes/list > list-after.txt
kill -INT $pt
wait $pt
echo $? > ptcopy.rc
cat /sys/kernel/debug/kprobes/list > list-detached.txt
