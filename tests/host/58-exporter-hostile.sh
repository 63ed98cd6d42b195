#!/usr/bin/env bash
# Hostile and broken clients. The corpus of tests/hostile/corpus (bad
# methods and request lines, huge and endless headers, NUL bytes, long URLs,
# odd Accept and Accept-Encoding, pipelined garbage, half-closed and reset
# connections, TLS on the plain port, plain HTTP and garbage on the TLS port)
# is sent raw by tests/hostile/send.py: each gets a 4xx or a close (or its
# stated answer), and a normal scrape succeeds after each. Then 500
# slowloris connections from 127.0.0.1 (request line sent, a header line
# every 3 s, never finished, reopened when closed) are held for 15 s while
# a normal client on 127.0.0.2 scrapes every second: every scrape gets a 200
# within 1 s, resident memory and open files stay bounded, and once they
# stop, their connections time out.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl openssl jq
PY=/usr/bin/python3
[ -x $PY ] || fail "$PY is missing (Debian's python3; make deps-test installs it)"

TLS_PID=
trap 'if [ -n "$TLS_PID" ]; then kill -KILL "$TLS_PID" 2>/dev/null || true; fi; exporter_cleanup' EXIT

T=$WORK/tls
mkdir -p "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-keyout "$T/server.key" -out "$T/server.crt" 2> "$WORK/openssl.log" ||
	fail "openssl: $(cat "$WORK/openssl.log")"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' > "$T/web.yml"

# Short idle timeouts: the corpus holds half-sent requests.
start_exporter tls --web.config.file="$T/web.yml" --web.connection-timeout=1
TLS_PID=$EXPORTER_PID
tls_port=${EXPORTER_URL##*:}
start_exporter plain --web.connection-timeout=1
plain_port=${EXPORTER_URL##*:}
n=$(find tests/hostile/corpus -type f | wc -l)
[ "$n" -ge 60 ] || fail "the hostile corpus has $n requests, want at least 60"
$PY tests/hostile/send.py 127.0.0.1 "$plain_port" "$tls_port" tests/hostile/corpus > "$WORK/send.out" ||
	fail "hostile corpus: $(cat "$WORK/send.out")"
tail -n 1 "$WORK/send.out"
kill -0 "$TLS_PID" || fail "the TLS exporter died"
kill -TERM "$TLS_PID"
wait "$TLS_PID" || fail "the TLS exporter exited $? after SIGTERM"
TLS_PID=
stop_exporter TERM

# Slowloris, with the default connection limits (a shorter idle timeout
# than the default 10 s, so that the end of the test comes sooner; the slow
# clients send a line every 3 s and are not idle).
start_exporter slow --web.connection-timeout=5
port=${EXPORTER_URL##*:}
pid=$EXPORTER_PID
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status"; }
rss_start=$(rss)
fds_start=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
$PY tests/hostile/slowloris.py 127.0.0.1 "$port" 127.0.0.1 500 13 3 > "$WORK/slowloris.json" &
slow=$!
sleep 2
rss_peak=$rss_start fds_peak=0 worst=0
for i in $(seq 1 10); do
	r=$(curl -s -o "$WORK/s.prom" -m 1 --interface 127.0.0.2 -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$port/metrics" || true)
	code=${r% *} t=${r#* }
	[ "$code" = 200 ] || fail "scrape $i from 127.0.0.2 under slowloris: '$r'"
	grep -q '^ptcopy_build_info{' "$WORK/s.prom" || fail "scrape $i under slowloris has no metrics"
	worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
	v=$(rss)
	[ "$v" -gt "$rss_peak" ] && rss_peak=$v
	f=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
	[ "$f" -gt "$fds_peak" ] && fds_peak=$f
	sleep 1
done
wait "$slow" || fail "slowloris.py failed"
held=$(jq .held_at_end "$WORK/slowloris.json")
opened=$(jq .opened "$WORK/slowloris.json")
echo "slowloris: 500 slots, $opened connections opened, $(jq .closed_by_server "$WORK/slowloris.json") closed by the server; 10 scrapes from 127.0.0.2 all 200, slowest $worst s; RSS ${rss_start} -> peak ${rss_peak} KiB; open files $fds_start -> peak $fds_peak"
awk -v w="$worst" 'BEGIN { exit !(w < 1) }' || fail "a scrape took $worst s"
# 16 connections of 127.0.0.1 at most (the rest are closed on accept), and
# a few just accepted.
[ $((fds_peak - fds_start)) -le 20 ] ||
	fail "$fds_peak files open under slowloris, $fds_start before: the per-address limit did not hold"
[ $((rss_peak - rss_start)) -le 8192 ] || fail "RSS grew by $((rss_peak - rss_start)) KiB under slowloris"
[ "$held" -le 500 ] || fail "slowloris.py reports $held connections held"
sleep 6	# the connection timeout: every slow connection is gone
f=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
[ "$f" -le "$fds_start" ] || fail "$f files open after the slow connections timed out, $fds_start before"
scrape "$WORK/after.prom"
stop_exporter TERM
echo "ok: $n hostile requests refused or served as stated; slowloris did not stop scrapes ($f files open after)"
