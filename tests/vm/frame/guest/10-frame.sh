# The fork's frame on Debian's distribution kernel: --probe's choice, and
# for the frame chosen by itself (auto) and the mmap_lock frame (forced),
# what ptcopy attached, from the kernel's view of its BPF links
# (/proc/PID/fdinfo), and its fork records for forkload --fault-threads 2,
# whose two threads fault fresh pages and block behind every fork.
#   probe.txt, probe.json            ptcopy --probe
#   <frame>/links.txt                one line per link: "TYPE TARGET"
#   <frame>/ptcopy.json, forkload.json, *.rc
. $TESTS/lib/guest.sh
ptcopy --probe > probe.txt 2> probe.err
echo $? > probe.rc
ptcopy --probe -j > probe.json 2>> probe.err

rc=0
for frame in auto mmap_lock; do
	d=$OUT/$frame
	mkdir -p $d
	cd $d
	ptcopy -j --forks --frame=$frame > ptcopy.json 2> ptcopy.err &
	pt=$!
	if ! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
		kill $pt 2> /dev/null
		wait $pt
		echo "$frame: ptcopy did not attach"
		rc=1
		continue
	fi
	# tracing links (fentry/fexit) say attach_type, raw_tp and tp_btf ones tp_name
	for f in /proc/$pt/fdinfo/*; do
		awk '/^link_type:/ { t = $2 } /^tp_name:/ { n = $2 } /^attach_type:/ { n = "attach_type=" $2 }
			END { if (t != "") print t, n }' $f
	done > links.txt
	# the forker on CPU 0, the faulters on the other: each fork has them
	# waiting (on one CPU with it they run only when the copy yields)
	forkload --size 128 --forks 6 --fault-threads 2 --cpu 0 > forkload.json
	echo $? > forkload.rc
	kill -INT $pt
	wait $pt
	echo $? > ptcopy.rc
	echo "$frame: forkload exit $(cat forkload.rc), ptcopy exit $(cat ptcopy.rc), links: $(sort links.txt | uniq -c | tr '\n' ' ')"
done
exit $rc
