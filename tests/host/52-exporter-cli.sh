#!/usr/bin/env bash
# ptcopy_exporter's command line and lifecycle: a bad flag is one log line
# and exit 2; an address in use is one line naming it and exit 1 with
# nothing loaded; a tier this kernel lacks is exit 1 with nothing loaded;
# SIGINT and SIGHUP stop it like SIGTERM; without --bpf-stats (the default)
# the kernel's BPF statistics stay off and the program metrics are absent;
# --web.telemetry-path moves the metrics.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl

for args in "--bogus" "--labels=pid" "--max-label-values=0" "--tier=fast" "extra" \
	"--web.listen-address=10368" "--web.telemetry-path=/" "--log.level=loud" \
	"--web.max-connections=0" "--web.max-connections-per-ip=x" "--web.connection-timeout=0" \
	"--web.config.file="; do
	rc=0
	"$EXPORTER" $args > "$WORK/usage.out" 2> "$WORK/usage.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$args: exit $rc, want 2"
	[ ! -s "$WORK/usage.out" ] || fail "$args: printed on stdout: $(cat "$WORK/usage.out")"
	one_error_line "$WORK/usage.err" "see ptcopy_exporter --help"
done
no_progs_left "after usage errors"

"$EXPORTER" --version | grep -qE '^ptcopy_exporter [0-9]+\.[0-9]+\.[0-9]+ \(libbpf v[0-9.]+\)$' ||
	fail "--version: $("$EXPORTER" --version)"
"$EXPORTER" --help | grep -q -- '--web.listen-address=ADDRESS' || fail "--help does not list --web.listen-address"

# An address in use: refused before loading anything, naming the address.
start_exporter first
first=$EXPORTER_PID
addr=${EXPORTER_URL#http://}
loaded=$(loaded_progs)
rc=0
"$EXPORTER" --web.listen-address="$addr" > /dev/null 2> "$WORK/busy.err" || rc=$?
[ "$rc" -eq 1 ] || fail "a second exporter on $addr exited $rc, want 1"
one_error_line "$WORK/busy.err" "cannot listen on $addr: Address already in use"
[ "$(loaded_progs)" -eq "$loaded" ] || fail "the refused exporter left programs loaded"
kill -0 "$first" || fail "the first exporter died"
stop_exporter INT
grep -q 'msg="stopping on Interrupt"' "$EXPORTER_LOG" || fail "no stop record after SIGINT"

# A tier this kernel does not have: one line, exit 1, nothing loaded.
if ! grep -q '^copy_pte ' /sys/kernel/tracing/available_events 2>/dev/null &&
	! [ -d /sys/kernel/tracing/events/copy_pte ]; then
	rc=0
	"$EXPORTER" --tier=patched --web.listen-address=127.0.0.1:0 > /dev/null 2> "$WORK/tier.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "--tier=patched on an unpatched kernel exited $rc, want 1"
	one_error_line "$WORK/tier.err" "patched"
	no_progs_left "after --tier=patched failed"
fi

# --vmas where neither fentry nor kprobes reach copy_page_range (this host)
if ! "$PTCOPY" --probe | grep -q '^fentry  *yes' && ! "$PTCOPY" --probe | grep -q '^kprobes  *yes'; then
	rc=0
	"$EXPORTER" --vmas --web.listen-address=127.0.0.1:0 > /dev/null 2> "$WORK/vmas.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "--vmas without fentry or kprobes exited $rc, want 1"
	one_error_line "$WORK/vmas.err" "--vmas: copy_page_range[(][)] cannot be probed: neither fentry nor kprobes"
	no_progs_left "after --vmas failed"
fi

# No BPF statistics by default (they time every program on the host), and
# another telemetry path; SIGHUP stops it too.
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
start_exporter nostats --web.telemetry-path=/ptcopy
[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before" ] ||
	fail "kernel.bpf_stats_enabled changed from $stats_before without --bpf-stats"
code=$(curl -s -o /dev/null -w '%{http_code}' "$EXPORTER_URL/metrics")
[ "$code" = 404 ] || fail "/metrics with --web.telemetry-path=/ptcopy: $code, want 404"
curl -sS --fail -o "$WORK/nostats.prom" "$EXPORTER_URL/ptcopy" || fail "GET /ptcopy failed"
grep -q '^ptcopy_tier_info{tier="tracepoint"} 1$' "$WORK/nostats.prom" || fail "no ptcopy_tier_info at /ptcopy"
# the frame as --probe names it (this host: no fentry, so mmap_lock)
frame=$("$PTCOPY" --probe -j | jq -r .frame)
grep -q "^ptcopy_frame_info{frame=\"$frame\"} 1\$" "$WORK/nostats.prom" ||
	fail "no ptcopy_frame_info{frame=\"$frame\"} at /ptcopy: $(grep frame_info "$WORK/nostats.prom")"
! grep -q '^ptcopy_bpf_program' "$WORK/nostats.prom" || fail "ptcopy_bpf_program_* exposed without --bpf-stats"
stop_exporter HUP
grep -q 'msg="stopping on Hangup"' "$EXPORTER_LOG" || fail "no stop record after SIGHUP"
echo "ok: usage errors exit 2, busy address and missing tier exit 1, INT/HUP/TERM stop cleanly"
