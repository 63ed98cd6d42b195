# Four pages of a 64-page COW mapping pinned by io_uring, then two forks:
# each pinned page needs its own copy, allocated with the locks dropped.
. $TESTS/lib/guest.sh
trace_begin
traced pinfork --pages 64 --pinned 4 --forks 2 > workload.out
rc=$?
trace_end
exit $rc
