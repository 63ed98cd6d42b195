# The same forks with a CPU-bound process on the forking task's CPU: when
# the forking task's slice runs out, the tick sets need_resched and the
# copy breaks its lock hold at the next check.
. $TESTS/lib/guest.sh
trace_begin
traced ptfork --size 256 --forks 2 --hog > workload.out
rc=$?
trace_end
exit $rc
