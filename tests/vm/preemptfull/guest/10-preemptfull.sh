# Debian's 6.12 booted with preempt=full: cond_resched() is then a no-op
# (its static call returns at once) and __cond_resched never runs inside a
# fork. ptcopy must say so in --probe and leave the cond_resched counts
# out, never report them as zero. A short check: one small workload per
# tier that probes the copy (inline chosen: it counts cond_resched where
# the kernel calls it; fentry and kprobe forced: they never count it).
. $TESTS/lib/guest.sh
cat /proc/cmdline > cmdline.txt
dmesg | grep 'Dynamic Preempt' > preempt-mode.txt
ptcopy --probe > probe.txt 2> probe.err
echo $? > probe.rc
rc=0
for tier in auto fentry kprobe; do
	d=$OUT/$tier
	mkdir -p $d
	cd $d
	opt=
	[ $tier = auto ] || opt=--tier=$tier
	ptcopy -j --forks $opt > ptcopy.json 2> ptcopy.err &
	pt=$!
	if ! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
		kill $pt 2> /dev/null
		wait $pt
		rc=1
		continue
	fi
	ptfork --size 64 --forks 2 > workload.out
	echo $? > guest.rc
	kill -INT $pt
	wait $pt
	echo $? > ptcopy.rc
done
exit $rc
