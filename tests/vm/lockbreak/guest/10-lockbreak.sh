# Forks with a CPU-bound process on the forking task's CPU: when the
# forking task's slice runs out, the tick sets need_resched and the copy
# breaks its lock hold at the next check. A 512 MiB fork spans a few ticks
# (HZ=250); ten of them make a fork that no tick falls in unlikely
# enough, and a break that lands between passes is taken by cond_resched.
. $TESTS/lib/guest.sh
trace_begin
traced ptfork --size 512 --forks 10 --hog > workload.out
rc=$?
trace_end
exit $rc
