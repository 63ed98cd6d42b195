# The inline tier itself against the kernel's tracer: ptcopy -j --forks
# (tier chosen automatically) and the tracefs kprobes of lib.sh at the same
# sites, both during the same forks: two of 256 MiB (plain/) and ten of
# 512 MiB with a CPU hog (hog/). check.sh compares ptcopy's per-fork counts
# with the trace's.
. $TESTS/inline/lib.sh

# tier_run DIR PTFORK-ARGS...
tier_run() {
	mkdir -p $OUT/tier/$1 && cd $OUT/tier/$1 || return 1
	shift
	if ! inline_probes_on; then
		inline_probes_off
		return 0
	fi
	ptcopy -j --forks --comm ptfork > ptcopy.json 2> ptcopy.err &
	pt=$!
	if ! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
		kill $pt 2> /dev/null
		wait $pt
		inline_probes_off
		echo "ptcopy did not attach"
		return 1
	fi
	trace_begin ptcopy_inline
	traced ptfork "$@" > workload.out
	rc=$?
	trace_end
	inline_probes_off
	kill -INT $pt
	wait $pt
	echo $? > ptcopy.rc
	return $rc
}

tier_run plain --size 256 --forks 2 || exit 1
tier_run hog --size 512 --forks 10 --hog
