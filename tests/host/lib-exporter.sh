# Helpers of the exporter's host tests (tests/host/5*-exporter*.sh), sourced
# after tests/host/lib.sh. Not numbered: tests/run.sh runs only
# tests/host/[0-9]*.sh.
EXPORTER=${EXPORTER:-$BUILD/ptcopy_exporter}
EXPORTER_WRAP=		# a command (and its words) to run the exporter under
EXPORTER_WAIT_S=10	# how long start_exporter waits for it to serve
EXPORTER_PID=
EXPORTER_URL=
EXPORTER_LOG=
PROM_PID=

exporter_cleanup() {
	local pid
	for pid in "$EXPORTER_PID" "$PROM_PID"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	cleanup
}
trap exporter_cleanup EXIT

need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" > /dev/null ||
			fail "$t is not installed (make deps-test installs it)"
	done
}

# start_exporter NAME [ARGS...]: run the exporter in the background on a free
# loopback port (unless ARGS give --web.listen-address), its log in
# $WORK/NAME.log; wait until it serves and set EXPORTER_URL.
start_exporter() {
	local name=$1 addr listen=--web.listen-address=127.0.0.1:0
	shift
	case " $* " in *" --web.listen-address"*) listen= ;; esac
	EXPORTER_LOG=$WORK/$name.log
	# created here: the background job opens it only when it gets to run
	: > "$EXPORTER_LOG"
	$EXPORTER_WRAP "$EXPORTER" $listen "$@" 2> "$EXPORTER_LOG" &
	EXPORTER_PID=$!
	for _ in $(seq 1 $((EXPORTER_WAIT_S * 20))); do
		addr=$(sed -n 's/.*msg="listening on \([^ ]*\) .*/\1/p' "$EXPORTER_LOG")
		if [ -n "$addr" ]; then
			EXPORTER_URL=http://$addr
			return 0
		fi
		kill -0 "$EXPORTER_PID" 2>/dev/null ||
			fail "ptcopy_exporter $* exited early: $(cat "$EXPORTER_LOG")"
		sleep 0.05
	done
	fail "ptcopy_exporter $* did not serve within $EXPORTER_WAIT_S s"
}

# stop_exporter [SIGNAL]: it must exit 0 and leave no BPF program loaded.
stop_exporter() {
	local sig=${1:-TERM} rc=0
	kill "-$sig" "$EXPORTER_PID"
	wait "$EXPORTER_PID" || rc=$?
	EXPORTER_PID=
	[ "$rc" -eq 0 ] || fail "ptcopy_exporter exited $rc after SIG$sig: $(tail -n 3 "$EXPORTER_LOG")"
	no_progs_left "after the exporter's SIG$sig"
}

# scrape FILE [CURL ARGS...]: GET the metrics (text 0.0.4 unless told) into FILE.
scrape() {
	local out=$1
	shift
	curl -sS --fail -o "$out" "$@" "$EXPORTER_URL/metrics" ||
		fail "scraping $EXPORTER_URL/metrics failed"
}

# metric FILE SERIES: the value of SERIES (name{labels} exactly as exposed),
# 0 if absent.
metric() {
	awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' "$1"
}

# A TCP port nobody listens on (for servers that cannot take port 0).
free_port() {
	local port used=" "
	local sl local_addr rest
	while read -r sl local_addr rest; do
		case $rest in *" 0A "*) ;; *) continue ;; esac
		used="$used$((16#${local_addr##*:})) "
	done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	while :; do
		port=$((20000 + RANDOM % 10000))
		case $used in *" $port "*) continue ;; esac
		echo "$port"
		return
	done
}
