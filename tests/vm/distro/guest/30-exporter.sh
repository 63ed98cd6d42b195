# ptcopy_exporter and ptcopy -j (tier fentry, per VMA) side by side over
# the same workloads as 20-tiers.sh; scrapes before and after (after in the
# three formats). The host compares every series and runs promtool on the
# scrapes. PTCOPY_EXPORTER_TIER: another tier than fentry (tests/vm/arm64,
# where the kernel may have no fentry).
. $TESTS/lib/guest.sh
tier=${PTCOPY_EXPORTER_TIER:-fentry}
PORT=10368
URL=http://127.0.0.1:$PORT/metrics

ptcopy_exporter --tier=$tier --web.listen-address=127.0.0.1:$PORT 2> exporter.log &
exp=$!
ptcopy -j --tier=$tier > ptcopy.json 2> ptcopy.err &
pt=$!
if ! wait_for exporter.log 'msg="listening on' $exp ||
	! wait_for ptcopy.err 'Tracing fork page-table copies' $pt; then
	kill $exp $pt 2>/dev/null
	wait
	exit 1
fi

rc=0
wget -q -O before.prom $URL || rc=1
ptfork --size 256 --forks 2 > fork.out || rc=1
zram_swap_on 64M
swapfork --children 64 > swap.out || rc=1
zram_swap_off
wget -q -O after.prom $URL || rc=1
wget -q -O after.om --header 'Accept: application/openmetrics-text; version=1.0.0' $URL || rc=1
wget -q -O after.pb --header \
	'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' \
	$URL || rc=1

kill -INT $pt
wait $pt
echo $? > ptcopy.rc
kill -TERM $exp
wait $exp
echo $? > exporter.rc
exit $rc
