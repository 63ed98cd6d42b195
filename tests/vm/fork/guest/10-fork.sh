# Two plain forks of a process with a 256 MiB, 2 MiB-aligned, THP-off
# mapping: 128 PMD ranges, so 128 first passes of copy_pte_range() each.
. $TESTS/lib/guest.sh
trace_begin
traced ptfork --size 256 --forks 2 > workload.out
rc=$?
trace_end
exit $rc
