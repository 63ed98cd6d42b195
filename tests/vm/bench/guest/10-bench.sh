# scripts/bench/bench.sh's measurement inside a qemu TCG guest on Debian's
# distribution kernel (busybox sh: no bash, jq or bpftool here), for
# ptcopy's frames and tiers. Raw figures only; the host side
# (scripts/bench/vm-report.sh, run by check.sh and `make bench-vm`) turns
# them into medians, ratios and targets.
#
# Configurations (tracer, what runs traced):
#   before      ptcopy --frame=mmap_lock (its own tier: inline): the frame
#               on the mmap_lock events, whose memcg_path costs every event
#   after       ptcopy (inline tier, fentry frame: chosen by itself)
#   fentry, kprobe, tracepoint
#               ptcopy --tier=T (fentry frame); with ptcopy.bench=full also
#               fentry-mml: --tier=fentry --frame=mmap_lock
#   exporter    ptcopy_exporter with its defaults
#   bt-window   scripts/bench/bpftrace/window.bt: tier 3's data in bpftrace
#   bt-fentry   calls-fentry.bt: tier 2's per-call data through kfuncs
#   bt-kprobe   calls-kprobe.bt: the same through kprobes
# On the patched lab kernel (ptcopy.variant=patched) instead:
#   patched     ptcopy --tier=patched (tier 1: the copy_pte tracepoints)
#   bt-pass     pass.bt: tier 1's per-pass data in bpftrace
# The bt-* configurations need bpftrace, which vmtest.sh appends to this
# suite's boots only (scripts/vm/bpftrace-cpio.sh).
# Per round, untraced and traced alternate, the order flipped every round:
# hotpath getpid, fault, mmap and pipe (process CPU ns per event) and a
# forkload run (its first fork left out; the median of the others: fork
# its wall time, forkcpu the forking thread's CPU time).
# Per-program cost: the exporter with --bpf-stats on one hot pass per frame
# (its ptcopy_bpf_program_* counters, scraped before and after).
#
# Kernel command line: ptcopy.bench=full (larger counts, all
# configurations), ptcopy.bench_rounds=N (default 2 smoke, 10 full),
# ptcopy.bench_configs=A,B,... (of this kernel's configurations, these
# only; no per-program pass).
# Output: raw.txt  "CONFIG LOOP SIDE ROUND VALUE" (SIDE base|traced);
#         progs.txt "FRAME PROGRAM RUNS RUN_NS" (not on the patched kernel);
#         attach.txt "CONFIG SECONDS" (start to attached, every traced side);
#         tracers.log (what every tracer printed); info.txt.
. $TESTS/lib/guest.sh
cmdarg() {
	for w in $(cat /proc/cmdline); do
		case $w in "ptcopy.$1="*) echo "${w#*=}"; return ;; esac
	done
}
mode=$(cmdarg bench)
rounds=$(cmdarg bench_rounds)
variant=$(cmdarg variant)
if [ "$mode" = full ]; then
	# a tenth of bench.sh's counts, 128 MiB forks: TCG runs ~10-50x slower
	n_getpid=100000 n_fault=10000 n_mmap=3000 n_pipe=5000 fork_mib=128 forks=6
	configs="before after fentry-mml fentry kprobe tracepoint exporter bt-window bt-fentry bt-kprobe"
	rounds=${rounds:-10}
else
	n_getpid=20000 n_fault=2000 n_mmap=1000 n_pipe=1000 fork_mib=32 forks=3
	configs="before after fentry kprobe tracepoint exporter bt-window bt-fentry bt-kprobe"
	rounds=${rounds:-2}
fi
[ "$variant" = patched ] && configs="patched bt-pass"
# ptcopy.bench_configs: of this kernel's configurations, these only
only=$(cmdarg bench_configs)
icount=$(cmdarg icount)
if [ -n "$only" ]; then
	configs=$(for c in $configs; do case ",$only," in *",$c,"*) echo $c ;; esac; done)
fi
case " $configs " in
*" bt-"*)
	[ -x /usr/bin/bpftrace ] ||
		{ echo "bpftrace is not in this boot's initramfs (scripts/vm/bpftrace-cpio.sh)"; exit 1; }
	;;
esac
# The copy function ptcopy's tier 2 takes (lib/tier.c, tier_per_pmd()):
# copy_pte_range where it is a function of its own (BTF keeps it under that
# name, kallsyms too), else copy_page_range; for kprobes the kallsyms name,
# copy_pte_range.isra.0 and the like.
kfunc=copy_page_range ksym=copy_page_range
grep -q ' copy_pte_range$' /proc/kallsyms && kfunc=copy_pte_range
s=$(awk '$3 ~ /^copy_pte_range(\.|$)/ { print $3; exit }' /proc/kallsyms)
[ -n "$s" ] && ksym=$s
port=9435
# Run as a service does on a systemd host: in a nested memory cgroup. While
# a probe is attached to the mmap_lock events of these kernels, every event
# builds this cgroup's path (memcg_path); in the root cgroup it would be "/".
cg=/sys/fs/cgroup/system.slice/ptcopy-bench.service
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p $cg
echo +memory > /sys/fs/cgroup/system.slice/cgroup.subtree_control
echo $$ > $cg/cgroup.procs || { echo "cannot enter $cg"; exit 1; }
{
	# icount: the clock counts instructions (run-qemu.sh's VMTEST_ICOUNT)
	echo "mode=${mode:-smoke} rounds=$rounds kernel=$(uname -r) cpus=$(nproc)${icount:+ icount=$icount}"
	echo "cgroup $(cat /proc/self/cgroup)"
	echo "counts getpid=$n_getpid fault=$n_fault mmap=$n_mmap pipe=$n_pipe fork_mib=$fork_mib forks=$forks"
	echo "bpftrace targets: kfunc $kfunc, kprobe $ksym"
} > info.txt
: > attach.txt
: > raw.txt
: > tracers.log

tracer=
start_tracer() {	# start_tracer CONFIG [EXTRA ARG...]
	local c=$1
	shift
	case $c in
	before) set -- ptcopy --frame=mmap_lock "$@" ;;
	after) set -- ptcopy "$@" ;;
	*-mml) set -- ptcopy --tier=${c%-mml} --frame=mmap_lock "$@" ;;
	exporter) set -- ptcopy_exporter --web.listen-address=127.0.0.1:$port "$@" ;;
	bt-*)
		case $c in
		bt-fentry) bt=calls-fentry ;;
		bt-kprobe) bt=calls-kprobe ;;
		*) bt=${c#bt-} ;;
		esac
		sed -e "s/@FUNC@/$kfunc/g" -e "s/@SYM@/$ksym/g" \
			/opt/ptcopy/bpftrace/$bt.bt > /tmp/$c.bt
		set -- /usr/bin/bpftrace /tmp/$c.bt
		;;
	*) set -- ptcopy --tier=$c "$@" ;;
	esac
	"$@" > tracer.out 2>&1 &
	tracer=$! tracer_name=$c
	# bpftrace compiles with LLVM first: 1-8 s measured under TCG
	i=0 t0=$(cut -d' ' -f1 /proc/uptime)
	while :; do
		case $1 in
		ptcopy_exporter) wget -q -O /dev/null http://127.0.0.1:$port/metrics 2> /dev/null && break ;;
		/usr/bin/bpftrace) grep -q '^ready$' tracer.out && break ;;
		*) grep -q 'Tracing fork page-table copies' tracer.out && break ;;
		esac
		kill -0 $tracer 2> /dev/null || { echo "$c: tracer exited: $(cat tracer.out)"; exit 1; }
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "$c: tracer did not attach in 120 s: $(cat tracer.out)"; exit 1; }
		sleep 0.1
	done
	echo "$c $(awk -v t0=$t0 '{ printf "%.1f", $1 - t0 }' /proc/uptime)" >> attach.txt
}
stop_tracer() {
	kill -INT $tracer
	# bpftrace 0.17 can miss a SIGINT: once in ~20 stops it was found
	# caught, not pending, and bpftrace asleep in epoll_wait for good
	# (likely its handler's flag set just before the wait began; these
	# scripts send no events to wake it). Another SIGINT interrupts the
	# wait and it exits
	# as asked, maps printed. Each SIGINT sent again is noted (stuck.txt,
	# reported). A tracer still there after 60 s would hang the boot until
	# its timeout and lose every figure; the side's figures are taken by
	# now: note where its threads wait and kill it.
	i=0
	while kill -0 $tracer 2> /dev/null; do
		i=$((i + 1))
		if [ $((i % 50)) -eq 0 ] && [ $i -lt 600 ]; then
			echo "-- $tracer_name: SIGINT sent again after $((i / 10)) s" >> stuck.txt
			kill -INT $tracer 2> /dev/null
		fi
		if [ $i -ge 600 ]; then
			{
				echo "== $tracer_name: no exit 60 s after SIGINT; $(grep -E '^(State|SigCgt|SigIgn|SigPnd|ShdPnd)' /proc/$tracer/status | tr '\n' ' ')"
				for t in /proc/$tracer/task/*; do
					echo "task ${t##*/} $(cat $t/comm) state $(cut -d' ' -f3 $t/stat) wchan $(cat $t/wchan)"
					cat $t/stack 2> /dev/null
				done
			} >> stuck.txt
			kill -KILL $tracer
			break
		fi
		sleep 0.1
	done
	wait $tracer
	tracer=
	cat tracer.out >> tracers.log
}

side() {	# side CONFIG SIDE ROUND
	[ $2 = traced ] && start_tracer $1
	for l in getpid fault mmap pipe; do
		eval n=\$n_$l
		v=$(hotpath $l $n | awk '{ print $2 }')
		[ -n "$v" ] || { echo "$1: hotpath $l failed"; exit 1; }
		echo "$1 $l $2 $3 $v" >> raw.txt
	done
	# fork: wall time; forkcpu: the forking thread's CPU time, which
	# leaves out what else ran meanwhile (one vCPU under -icount)
	forkload --size $fork_mib --forks $forks > forkload.out
	for f in wall_ns:fork cpu_ns:forkcpu; do
		v=$(sed -n "s/.*\"type\":\"fork\".*\"${f%:*}\":\([0-9]*\).*\"ok\":true.*/\1/p" forkload.out |
			tail -n +2 | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		[ -n "$v" ] || { echo "$1: forkload gave no fork times"; exit 1; }
		echo "$1 ${f#*:} $2 $3 $v" >> raw.txt
	done
	[ $2 = traced ] && stop_tracer
	return 0
}

for c in $configs; do
	r=1
	while [ $r -le $rounds ]; do
		if [ $((r % 2)) -eq 1 ]; then
			side $c base $r
			side $c traced $r
		else
			side $c traced $r
			side $c base $r
		fi
		r=$((r + 1))
	done
	echo "$c: $rounds rounds done"
done

# prog_runs FILE: "PROGRAM RUNS RUN_NS" from the exporter's metrics
prog_runs() {
	awk '
		/^ptcopy_bpf_program_runs_total\{/ { split($1, a, "\""); r[a[2]] = $2 }
		/^ptcopy_bpf_program_run_seconds_total\{/ { split($1, a, "\""); s[a[2]] = $2 }
		END { for (p in r) printf "%s %.0f %.0f\n", p, r[p], s[p] * 1e9 }' "$1" | sort
}
frames="mmap_lock fentry"
[ "$variant" = patched ] && frames=
[ -n "$only" ] && frames=
[ -n "$frames" ] && : > progs.txt
for frame in $frames; do
	start_tracer exporter --bpf-stats --frame=$frame
	wget -q -O m0.txt http://127.0.0.1:$port/metrics
	for l in getpid fault mmap pipe; do
		eval n=\$n_$l
		hotpath $l $n > /dev/null
	done
	forkload --size $fork_mib --forks $forks > /dev/null
	wget -q -O m1.txt http://127.0.0.1:$port/metrics
	stop_tracer
	prog_runs m0.txt > p0.txt
	prog_runs m1.txt > p1.txt
	# runs and time during the pass: after - before
	awk -v f=$frame 'NR == FNR { r[$1] = $2; t[$1] = $3; next }
		{ d = $2 - r[$1]; if (d > 0) printf "%s %s %d %d\n", f, $1, d, $3 - t[$1] }' p0.txt p1.txt >> progs.txt
done
rm -f m0.txt m1.txt p0.txt p1.txt
echo "bench done: $(wc -l < raw.txt) figures, $(cat progs.txt 2> /dev/null | wc -l) program costs"
