# Precise mode against the kernel's own trace: ptcopy -j --forks attached
# while each kernel-patch suite's guest script (fork, lockbreak, swapcont,
# contfail, prealloc) runs as that suite runs it, tracefs recording at the
# same time. One directory per tier and workload: <tier>/<workload>/ holds
# the suite's own output (workload.out, trace.txt, ...) and ptcopy.json.
#
# Patched kernel: the tier ptcopy chooses (patched), then one fork of a
# 1 GiB mapping seen by ptcopy in text and JSON (gib/). Unpatched kernels
# (unpatched, symbol): tier 2, fentry and kprobe, forced (ptcopy chooses the
# inline tier on these PREEMPT_DYNAMIC builds, which inlinetruth proves), with
# the function tracer counting calls of the function tier 2 probes into
# the same trace; the host compares their counts with the patched run's.
. $TESTS/lib/guest.sh
workloads="fork lockbreak swapcont contfail prealloc"
tiers=auto
copy_funcs=
if [ "$PTCOPY_VARIANT" != patched ]; then
	tiers="fentry kprobe"
	# The functions tier 2 may probe: copy_pte_range where it is a symbol
	# (its kallsyms name may carry a suffix: .isra.0), copy_page_range
	copy_funcs=$(grep -E '^copy_(pte|page)_range($|[. ])' $T/available_filter_functions | cut -d' ' -f1)
	echo "$copy_funcs" > copy-funcs.txt
fi

ptcopy --probe -j > probe.json 2> probe.err
echo $? > probe.rc
if [ "$PTCOPY_VARIANT" != patched ]; then
	ptcopy --probe -j --tier=fentry > probe-fentry.json 2> probe-fentry.err
	echo $? > probe-fentry.rc
fi

rc=0
for tier in $tiers; do
	for w in $workloads; do
		d=$OUT/$tier/$w
		mkdir -p $d
		cd $d
		opt=
		[ $tier = auto ] || opt=--tier=$tier
		ptcopy -j --forks $opt > ptcopy.json 2> ptcopy.err &
		pt=$!
		if ! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
			kill $pt 2> /dev/null
			wait $pt
			echo "$tier/$w: ptcopy did not attach"
			rc=1
			continue
		fi
		if [ -n "$copy_funcs" ]; then
			echo "$copy_funcs" > $T/set_ftrace_filter
			echo function > $T/current_tracer
		fi
		OUT=$d sh $TESTS/$w/guest/10-$w.sh > guest.log 2>&1
		echo $? > guest.rc
		echo nop > $T/current_tracer
		echo > $T/set_ftrace_filter
		kill -INT $pt
		wait $pt
		echo $? > ptcopy.rc
		echo "$tier/$w: guest script exit $(cat guest.rc), ptcopy exit $(cat ptcopy.rc)"
	done
done

# One 1 GiB fork, as a user would look at it
if [ "$PTCOPY_VARIANT" = patched ]; then
	mkdir -p $OUT/gib
	cd $OUT/gib
	ptcopy --forks > ptcopy.txt 2> ptcopy-text.err &
	txt=$!
	ptcopy -j --forks > ptcopy.json 2> ptcopy.err &
	pt=$!
	if wait_for ptcopy.txt 'Tracing fork page-table copies' $txt &&
		wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
		ptfork --size 1024 --forks 1 > workload.out 2>&1
		echo $? > guest.rc
	else
		rc=1
	fi
	kill -INT $txt $pt
	wait $txt
	echo $? > ptcopy-text.rc
	wait $pt
	echo $? > ptcopy.rc
fi
exit $rc
