#!/usr/bin/env bash
# Run ptcopy's VM test suites on the Debian kernels, patched and unpatched.
#
# usage: scripts/vm/vmtest.sh [-k KERNEL]... [-V VARIANT]... [SUITE...]
#   KERNEL   6.1, 6.12 (default both; or the KERNEL environment variable)
#   VARIANT  patched, unpatched, symbol (default all; or VARIANT)
#   SUITE    directories of tests/vm/ that have a guest/ (default all; or SUITES)
#
# For each kernel: build its variants, or take them from the cache
# (scripts/kernel/build.sh), check the patch with checkpatch.pl, then boot
# each variant once under qemu, patched first, running every selected suite
# (scripts/vm/run-qemu.sh). The symbol variant (unpatched, copy_pte_range()
# not inlined) is there for ptcopy's per-call probes: it runs the suites
# listed in symbol_suites only. A suite's output lands in
# build/vm/<kernel>-<variant>/<suite>/ and its host-side checker,
# tests/vm/<suite>/check.sh, decides. One PASS or FAIL line per suite;
# exit status 1 if any failed, the guest panicked or timed out.
#
# Environment: PTCOPY_CACHE (kernel cache, default /var/cache/ptcopy),
# VMTEST_TIMEOUT (seconds per boot, default 1200), JOBS (kernel build).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
kernels=${KERNEL:-}
variants=${VARIANT:-}
suites=${SUITES:-}
while getopts k:V:h opt; do
	case $opt in
	k) kernels="$kernels $OPTARG" ;;
	V) variants="$variants $OPTARG" ;;
	*) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || suites="$*"
kernels=${kernels:-6.1 6.12}
variants=${variants:-patched unpatched symbol}
symbol_suites="precise"
if [ -z "$suites" ]; then
	for d in "$top"/tests/vm/*/guest; do
		[ -d "$d" ] && suites="$suites $(basename "$(dirname "$d")")"
	done
fi
for k in $kernels; do
	case $k in 6.1|6.12) ;; *) echo "vmtest: unknown kernel '$k' (6.1, 6.12)" >&2; exit 2 ;; esac
done
for v in $variants; do
	case $v in patched|unpatched|symbol) ;; *) echo "vmtest: unknown variant '$v' (patched, unpatched, symbol)" >&2; exit 2 ;; esac
done
for s in $suites; do
	[ -x "$top/tests/vm/$s/check.sh" ] || { echo "vmtest: suite '$s' has no tests/vm/$s/check.sh" >&2; exit 2; }
done
# Patched first: the unpatched run is compared with it
variants=$(for v in patched unpatched symbol; do case " $variants " in *" $v "*) echo $v ;; esac; done)

vmdir=$top/build/vm
mkdir -p "$vmdir"
times=$vmdir/times.txt
: > "$times"
failures=0
result() {
	# result PASS|FAIL WHAT [DETAIL]
	printf '%s %s%s\n' "$1" "$2" "${3:+: $3}" | tee -a "$vmdir/results.txt"
	[ "$1" = PASS ] || failures=$((failures + 1))
}
: > "$vmdir/results.txt"
t_start=$(date +%s)

# Static binaries for the initramfs: the lead's tools and our workloads
# VMTEST_MAKE_TARGETS: e.g. only the workloads, while the tools do not build
static_targets=${VMTEST_MAKE_TARGETS:-static}
echo "vmtest: make $static_targets"
if ! make -C "$top" -s $static_targets > "$vmdir/make-static.log" 2>&1; then
	cat "$vmdir/make-static.log" >&2
	result FAIL "make static" "see build/vm/make-static.log"
	exit 1
fi

echo "vmtest: initramfs with suites:$suites"
"$top/scripts/vm/initramfs.sh" "$vmdir/initramfs.cpio" $suites

for k in $kernels; do
	t0=$(date +%s)
	# Take both variants from the cache, or build them (build.sh waits for
	# any other kernel build); either way "VARIANT DIR" lines
	built=
	for v in $variants; do
		if d=$("$top/scripts/kernel/artifact.sh" "$k" "$v"); then
			built=$(printf '%s\n%s %s' "$built" "$v" "$d")
		else
			built=
			break
		fi
	done
	if [ -z "$built" ] && ! built=$("$top/scripts/kernel/build.sh" "$k" $variants); then
		result FAIL "kernel $k" "build failed (output above)"
		continue
	fi
	echo "kernel $k: build or cache lookup $(( $(date +%s) - t0 )) s" >> "$times"
	for v in $variants; do
		dir=$(echo "$built" | awk -v v=$v '$1 == v { print $2 }')
		echo "kernel $k $v: $(grep build_seconds "$dir/BUILD") (when it was built)" >> "$times"
	done

	if "$top/scripts/kernel/checkpatch.sh" "$k" > "$vmdir/checkpatch-$k.log" 2>&1; then
		result PASS "$k checkpatch --strict" "$(grep -c '^PASS' "$vmdir/checkpatch-$k.log") patch(es) clean"
	else
		cat "$vmdir/checkpatch-$k.log"
		result FAIL "$k checkpatch --strict" "see build/vm/checkpatch-$k.log"
	fi

	for v in $variants; do
		dir=$(echo "$built" | awk -v v=$v '$1 == v { print $2 }')
		out=$vmdir/$k-$v
		vsuites=$suites
		if [ $v = symbol ]; then
			vsuites=$(for s in $suites; do case " $symbol_suites " in *" $s "*) echo $s ;; esac; done)
			[ -n "$vsuites" ] || continue
		fi
		echo "vmtest: booting $k $v ($(basename "$dir"))"
		t0=$(date +%s)
		booted=0
		"$top/scripts/vm/run-qemu.sh" "$dir/bzImage" "$vmdir/initramfs.cpio" \
			"$out" "$k" "$v" $vsuites && booted=1
		echo "kernel $k $v: boot + suites $(( $(date +%s) - t0 )) s" >> "$times"
		# The kernel's own clock (PRINTK_TIME) when it started /init
		boot=$(cat "$out"/*/dmesg.txt 2>/dev/null |
			sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' | head -n 1)
		echo "kernel $k $v: booted to /init in ${boot:-?} s (guest clock)" >> "$times"
		if [ $booted -eq 0 ]; then
			result FAIL "$k $v VM" "$(cat "$out/harness-error" | tr '\n' ' ') (see $out/console.log)"
		fi
		for s in $vsuites; do
			if [ ! -d "$out/$s" ]; then
				result FAIL "$k $v $s" "no output from the guest"
				continue
			fi
			if [ -f "$out/$s/guest-uptime" ]; then
				echo "kernel $k $v suite $s: $(awk '{ printf "%.1f s in the guest", $2 - $1 }' "$out/$s/guest-uptime")" >> "$times"
			fi
			export KERNEL=$k VARIANT=$v PATCHED_OUT=
			[ "$v" != patched ] && [ -d "$vmdir/$k-patched/$s" ] && PATCHED_OUT=$vmdir/$k-patched/$s
			if "$top/tests/vm/$s/check.sh" "$out/$s" > "$out/$s/check.log" 2>&1; then
				sed 's/^/    /' "$out/$s/check.log"
				result PASS "$k $v $s"
			else
				sed 's/^/    /' "$out/$s/check.log"
				result FAIL "$k $v $s" "$(grep -m1 '^FAIL' "$out/$s/check.log" || echo 'checker failed')"
			fi
		done
	done
done

echo "total: $(( $(date +%s) - t_start )) s" >> "$times"
echo "--- times (build/vm/times.txt)"
cat "$times"
echo "--- $(grep -c '^PASS' "$vmdir/results.txt") passed, $failures failed"
[ $failures -eq 0 ]
