# As swapcont, but copy_pte_range()'s own GFP_KERNEL continuation page
# fails too (failnext fails two): that fork returns ENOMEM to the caller.
# The workload goes on forking: the next fork must succeed (its GFP_ATOMIC
# continuation is no longer failed), and the system must stay up.
. $TESTS/lib/guest.sh
zram_swap_on 64M
trace_begin
traced failnext add_swap_count_continuation 2 -- swapfork --children 64 > workload.out
rc=$?
trace_end
zram_swap_off
# swapfork exits 0 even though one fork failed: that failure is expected
exit $rc
