# The inline tier against the patched tier on the patched lab kernel, in one
# session: two ptcopy processes traced the same forks at once (the patched
# tier on the copy_pte tracepoints, the inline tier on kprobes at the sites
# it recognised in the same kernel's code), for each workload of the lab
# suites. Both can attach together: tracepoints and kprobes are separate
# hooks, and each ptcopy has its own maps. The patched one attaches first,
# so the inline tier recognises the code with the tracepoints' static keys
# enabled (jumps, not NOPs, in the live text); the workloads' own tracefs
# events toggle the keys again while the kprobes sit next to them. Then
# each tier alone (alone/), the inline one with the keys off.
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

# warm_up: a few forks of this shell (comm sh, not a workload's) with both
# tiers attached, so that the first run of each new probe and BPF program
# (which qemu TCG translates then, for milliseconds) is in none of the
# workload's passes
warm_up() {
	i=0
	while [ $i -lt 4 ]; do
		/bin/true
		i=$((i + 1))
	done
}

rc=0
# (the check compares the workload process's comm's numbers: the guest's
# own shell forks while one ptcopy waits for the other)
for w in fork lockbreak swapcont contfail prealloc; do
	d=$OUT/$w
	mkdir -p $d
	cd $d
	ptcopy -j --forks --tier=patched > patched.json 2> patched.err &
	pp=$!
	if ! wait_for patched.err 'Tracing fork page-table copies' $pp; then
		kill $pp 2> /dev/null
		wait $pp
		echo "$w: ptcopy --tier=patched did not attach"
		rc=1
		continue
	fi
	ptcopy -j --forks --tier=inline > inline.json 2> inline.err &
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
	warm_up
	OUT=$d sh $TESTS/$w/guest/10-$w.sh > guest.log 2>&1
	echo $? > guest.rc
	kill -INT $pp $pi
	wait $pp
	echo $? > patched.rc
	wait $pi
	echo $? > inline.rc
	echo "$w: guest script exit $(cat guest.rc), ptcopy exit patched $(cat patched.rc) inline $(cat inline.rc)"
done

# Each tier alone on the same workloads, run without the kernel's trace:
# the inline tier with the tracepoints' keys off (NOPs at the sites' joins,
# the blocks never run), then the patched tier; no probe of one tier inside
# the other's intervals. The fork of 256 MiB, and the workloads whose
# retries and continuations do not depend on timing.
# alone TIER DIR CMD...
alone() {
	name=$2 d=$OUT/alone/$2
	tier=$1
	shift 2
	mkdir -p $d
	cd $d
	ptcopy -j --forks --tier=$tier > $tier.json 2> $tier.err &
	pi=$!
	if ! wait_for $tier.err 'Tracing fork page-table copies' $pi; then
		kill $pi 2> /dev/null
		wait $pi
		echo "alone/$name: ptcopy --tier=$tier did not attach"
		return 1
	fi
	kprobes_settled
	warm_up
	"$@" > $tier-workload.out 2>&1
	echo $? > $tier-guest.rc
	kill -INT $pi
	wait $pi
	echo $? > $tier.rc
}
[ "$(cat /sys/kernel/tracing/events/copy_pte/enable)" = 0 ] || rc=1
for t in inline patched; do
	alone $t fork ptfork --size 256 --forks 2 || rc=1
	alone $t prealloc pinfork --pages 64 --pinned 4 --forks 2 || rc=1
	zram_swap_on 64M
	alone $t swapcont failnext add_swap_count_continuation 1 -- swapfork --children 64 || rc=1
	zram_swap_off
	zram_swap_on 64M
	alone $t contfail failnext add_swap_count_continuation 2 -- swapfork --children 64 || rc=1
	zram_swap_off
done
exit $rc
