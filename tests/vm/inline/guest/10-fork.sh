# Two plain forks of a 256 MiB, 2 MiB-aligned, THP-off mapping (as the fork
# suite) with tracefs kprobes at the inline sites.
. $TESTS/inline/lib.sh
if ! inline_probes_on; then
	echo "no inline sites, or their kprobes were refused: $(cat inline.txt)"
	inline_probes_off
	exit 0	# check.sh decides whether this kernel must have them
fi
cp $K kprobes.txt
trace_begin ptcopy_inline
traced ptfork --size 256 --forks 2 > workload.out
rc=$?
trace_end
inline_probes_off
exit $rc
