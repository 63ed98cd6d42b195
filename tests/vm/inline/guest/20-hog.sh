# Ten forks of 512 MiB with a CPU hog on the same CPU (as the lockbreak
# suite): lock-breaks make retry passes, which the retry jump must see.
. $TESTS/inline/lib.sh
mkdir -p hog && cd hog || exit 1
if ! inline_probes_on; then
	inline_probes_off
	exit 0
fi
trace_begin ptcopy_inline
traced ptfork --size 512 --forks 10 --hog > workload.out
rc=$?
trace_end
inline_probes_off
exit $rc
