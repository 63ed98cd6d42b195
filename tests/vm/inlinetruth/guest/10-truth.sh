# The inline tier against the patched tier on the patched lab kernel, in one
# session: two ptcopy processes traced the same forks at once (the patched
# tier on the copy_pte tracepoints, the inline tier on kprobes at the sites
# it recognised in the same kernel's code), for each workload of the lab
# suites. Both can attach together: tracepoints and kprobes are separate
# hooks, and each ptcopy has its own maps. The patched one attaches first,
# so the inline tier recognises the code with the tracepoints' static keys
# enabled (jumps, not NOPs, in the live text); the workloads' own tracefs
# events toggle the keys again while the kprobes sit next to them.
. $TESTS/lib/guest.sh

ptcopy --probe -v > probe.txt 2>&1
echo $? > probe.rc

# kprobes_settled: until the kernel has optimized the kprobes it can (a
# jump instead of int3, a few jiffies after they are registered): the
# number of optimized ones unchanged for 1 s, at most 20 s; the list is saved
kprobes_settled() {
	i=0 same=0 last=-1
	while [ $same -lt 10 ] && [ $i -lt 200 ]; do
		n=$(grep -c 'OPTIMIZED' /sys/kernel/debug/kprobes/list 2>/dev/null)
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$n
		sleep 0.1
		i=$((i + 1))
	done
	cat /sys/kernel/debug/kprobes/list > kprobes.txt 2>&1
}
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

rc=0
# workload:comm of its forking process (each ptcopy traces only that comm:
# the guest's own shell forks while one ptcopy waits for the other)
for wc in fork:ptfork lockbreak:ptfork swapcont:swapfork contfail:swapfork prealloc:pinfork; do
	w=${wc%%:*} comm=${wc#*:}
	d=$OUT/$w
	mkdir -p $d
	cd $d
	ptcopy -j --forks --comm $comm --tier=patched > patched.json 2> patched.err &
	pp=$!
	if ! wait_for patched.err 'Tracing fork page-table copies' $pp; then
		kill $pp 2> /dev/null
		wait $pp
		echo "$w: ptcopy --tier=patched did not attach"
		rc=1
		continue
	fi
	ptcopy -j --forks --comm $comm --tier=inline > inline.json 2> inline.err &
	pi=$!
	if ! wait_for inline.err 'Tracing fork page-table copies' $pi; then
		kill $pp $pi 2> /dev/null
		wait $pp
		wait $pi
		echo "$w: ptcopy --tier=inline did not attach"
		rc=1
		continue
	fi
	kprobes_settled
	OUT=$d sh $TESTS/$w/guest/10-$w.sh > guest.log 2>&1
	echo $? > guest.rc
	kill -INT $pp $pi
	wait $pp
	echo $? > patched.rc
	wait $pi
	echo $? > inline.rc
	echo "$w: guest script exit $(cat guest.rc), ptcopy exit patched $(cat patched.rc) inline $(cat inline.rc)"
done
exit $rc
