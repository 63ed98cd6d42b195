# A swapped-out page shared by 64 children: the 62nd fork takes its swap
# count past SWAP_MAP_MAX. failnext fails the GFP_ATOMIC continuation page
# swap_duplicate() asks for under the PTE locks (once), so copy_pte_range()
# must break off and add the continuation itself, which succeeds.
. $TESTS/lib/guest.sh
zram_swap_on 64M
trace_begin
traced failnext add_swap_count_continuation 1 -- swapfork --children 64 > workload.out
rc=$?
trace_end
zram_swap_off
exit $rc
