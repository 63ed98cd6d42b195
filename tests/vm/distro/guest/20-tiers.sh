# ptcopy's tiers on Debian's distribution kernel, each against the
# kernel's function tracer in the same run: fentry, kprobe and tracepoint
# (forced: the inline tier, chosen by itself here, has its own suite,
# tests/vm/inline). Per tier, two workloads, each in its own directory
# <tier>/<workload>/ with ptcopy.json, the workload's output and the trace:
#   fork  ptfork --size 256 --forks 2 (128 PMD ranges, per-fork wall times)
#   swap  swapfork --children 64 on zram: its swapped-out page's swap count
#         passes SWAP_MAP_MAX at the 62nd fork, and swap_duplicate() adds a
#         continuation with GFP_ATOMIC, under the PTE locks.
# The function tracer counts copy_page_range (what tier 2 probes here) and
# add_swap_count_continuation, with their callers. PTCOPY_TIERS: the tiers
# to run (tests/vm/arm64 leaves out fentry where the kernel has none).
# A kprobe event records add_swap_count_continuation's gfp_mask: GFP_ATOMIC
# from swap_duplicate under the PTE locks, GFP_KERNEL from copy_pte_range's
# own call. It tells the two apart where the function tracer cannot name
# the caller: a kretprobe (tier kprobe) replaced the return address and the
# kernel does not recover it (arm64 6.1: "<-[unknown/kretprobe'd]").
. $TESTS/lib/guest.sh
ptcopy --probe > probe.txt 2> probe.err
echo $? > probe.rc
ptcopy --probe -j > probe.json 2>> probe.err
ptcopy --probe -j --tier=fentry > probe-fentry.json 2>> probe.err

echo 'p:ptcopy_swapc/add add_swap_count_continuation gfp=$arg2:x32' >> $T/kprobe_events || exit 1

rc=0
for tier in ${PTCOPY_TIERS:-fentry kprobe tracepoint}; do
	for w in fork swap; do
		d=$OUT/$tier/$w
		mkdir -p $d
		cd $d
		ptcopy -j --forks --tier=$tier > ptcopy.json 2> ptcopy.err &
		pt=$!
		if ! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
			kill $pt 2> /dev/null
			wait $pt
			echo "$tier/$w: ptcopy did not attach"
			rc=1
			continue
		fi
		printf 'copy_page_range\nadd_swap_count_continuation\n' > $T/set_ftrace_filter
		echo function > $T/current_tracer
		[ $w = swap ] && zram_swap_on 64M
		trace_begin ptcopy_swapc/add
		case $w in
		fork) traced ptfork --size 256 --forks 2 > workload.out ;;
		swap) traced swapfork --children 64 > workload.out ;;
		esac
		echo $? > guest.rc
		trace_end
		[ $w = swap ] && zram_swap_off
		echo nop > $T/current_tracer
		echo > $T/set_ftrace_filter
		kill -INT $pt
		wait $pt
		echo $? > ptcopy.rc
		echo "$tier/$w: workload exit $(cat guest.rc), ptcopy exit $(cat ptcopy.rc)"
	done
done
echo '-:ptcopy_swapc/add' >> $T/kprobe_events
exit $rc
