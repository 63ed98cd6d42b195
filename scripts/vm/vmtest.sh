#!/usr/bin/env bash
# Run ptcopy's VM test suites on the Debian kernels: our builds, patched and
# unpatched, and Debian's own distribution kernels.
#
# usage: scripts/vm/vmtest.sh [-a ARCH]... [-k KERNEL]... [-V VARIANT]... [SUITE...]
#   ARCH     x86, arm64 (default both; or VMTEST_ARCH)
#   KERNEL   6.1, 6.12 (default both; or KERNEL)
#   VARIANT  patched, icount, unpatched, symbol, distro, distro-full
#            (default all; or VARIANT); arm64 has distro only
#   SUITE    directories of tests/vm/ that have a guest/ (default all; or SUITES)
#
# For each kernel: build its variants, or take them from the cache
# (scripts/kernel/build.sh), check the patch with checkpatch.pl, then boot
# each variant once under qemu, patched first, running every selected suite
# (scripts/vm/run-qemu.sh). The symbol variant (unpatched, copy_pte_range()
# not inlined) is there for ptcopy's per-call probes: it runs the suites
# listed in symbol_suites only. The distro variant is Debian's packaged
# kernel of the series (linux-image-*-amd64, scripts/vm/distro-kernel.sh),
# booted with the same initramfs plus its modules; it runs distro_suites
# only, and distro-full, the 6.12 package booted with preempt=full, runs
# full_suites. The icount variant is the patched kernel again, booted
# under qemu's -icount with one vCPU (run-qemu.sh: the guest's clock counts
# instructions, so its timings repeat whatever the host does): it runs
# icount_suites, the ones that compare times to 2%, and those run nowhere
# else. The suites in shared_suites run on the distro variant too. On arm64
# (cross-built: make ARCH=arm64 static) the distro variant alone, Debian's
# linux-image-*-arm64 under qemu-system-aarch64, runs arm64_suites, which
# run nowhere else. bench also runs on the patched variant (tier 1 against
# its bpftrace equivalent); the x86 boots that run bench get Debian's
# bpftrace appended to their initramfs (scripts/vm/bpftrace-cpio.sh,
# ~210 MB), no other boot carries it. A suite's output lands in
# build/vm/<kernel>-<variant>/<suite>/ (arm64: build/vm/arm64-<kernel>-
# <variant>/<suite>/) and its host-side checker,
# tests/vm/<suite>/check.sh, decides. One PASS or FAIL line per suite;
# exit status 1 if any failed, the guest panicked or timed out.
#
# Environment: PTCOPY_CACHE (kernels and packages, default /var/cache/ptcopy),
# VMTEST_TIMEOUT (seconds per boot, default 1200), VMTEST_APPEND (kernel
# command line added to every boot, e.g. by make bench-vm), JOBS (kernel build).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
kernels=${KERNEL:-}
variants=${VARIANT:-}
arches=${VMTEST_ARCH:-}
caller_append=${VMTEST_APPEND:-}
suites=${SUITES:-}
while getopts a:k:V:h opt; do
	case $opt in
	a) arches="$arches $OPTARG" ;;
	k) kernels="$kernels $OPTARG" ;;
	V) variants="$variants $OPTARG" ;;
	*) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || suites="$*"
arches=${arches:-x86 arm64}
kernels=${kernels:-6.1 6.12}
all_variants="patched icount unpatched symbol distro distro-full"
variants=${variants:-$all_variants}
symbol_suites="precise"
distro_suites="distro inline frame bench"
full_suites="preemptfull"
# Debian's arm64 kernel, booted by qemu-system-aarch64 (distro variant only)
arm64_suites="arm64"
# need the copy_pte tracepoints and the inline tier's sites in one kernel,
# and timings that repeat (two tiers' sums compared to 2%)
icount_suites="inlinetruth"
icount_opts="shift=0,sleep=off"
# need bpftrace in the guest (x86: Debian's amd64 bpftrace)
bpftrace_suites="bench"
# the lab kernels' suites that also run on Debian's kernel (fentry, kprobes)
shared_suites="vmas"
if [ -z "$suites" ]; then
	for d in "$top"/tests/vm/*/guest; do
		[ -d "$d" ] && suites="$suites $(basename "$(dirname "$d")")"
	done
fi
for k in $kernels; do
	case $k in 6.1|6.12) ;; *) echo "vmtest: unknown kernel '$k' (6.1, 6.12)" >&2; exit 2 ;; esac
done
for v in $variants; do
	case " $all_variants " in *" $v "*) ;; *) echo "vmtest: unknown variant '$v' ($all_variants)" >&2; exit 2 ;; esac
done
for a in $arches; do
	case $a in x86|arm64) ;; *) echo "vmtest: unknown architecture '$a' (x86, arm64)" >&2; exit 2 ;; esac
done
for s in $suites; do
	[ -x "$top/tests/vm/$s/check.sh" ] || { echo "vmtest: suite '$s' has no tests/vm/$s/check.sh" >&2; exit 2; }
done
# Patched first: the unpatched run is compared with it
variants=$(for v in $all_variants; do case " $variants " in *" $v "*) printf "%s " $v ;; esac; done)
# in_list WORD LIST: WORD is one of LIST
in_list() {
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}
# variant_suites VARIANT [ARCH]: the selected suites that VARIANT runs (on ARCH)
variant_suites() {
	local s
	for s in $suites; do
		if [ "${2:-x86}" = arm64 ]; then
			[ "$1" = distro ] && in_list $s "$arm64_suites" && echo $s
			continue
		fi
		in_list $s "$arm64_suites" && continue
		if in_list $s "$icount_suites"; then
			[ "$1" = icount ] && echo $s
			continue
		fi
		case $1 in
		symbol) in_list $s "$symbol_suites" && echo $s ;;
		distro) in_list $s "$distro_suites $shared_suites" && echo $s ;;
		distro-full) in_list $s "$full_suites" && echo $s ;;
		patched) { in_list $s "$distro_suites $full_suites" && ! in_list $s "$bpftrace_suites"; } || echo $s ;;
		icount) ;;
		*) in_list $s "$distro_suites $full_suites" || echo $s ;;
		esac
	done
	return 0
}

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
# with_bpftrace INITRD SUITES...: the initrd a boot of SUITES takes, with
# bpftrace appended (as INITRD-bpftrace.cpio) if one of them needs it and
# this architecture's bpftrace was packed ($bpftrace_cpio)
with_bpftrace() {
	local initrd=$1 s
	shift
	for s in "$@"; do
		if [ -n "$bpftrace_cpio" ] && in_list $s "$bpftrace_suites"; then
			cat "$initrd" "$bpftrace_cpio" > "${initrd%.cpio}-bpftrace.cpio"
			echo "${initrd%.cpio}-bpftrace.cpio"
			return 0
		fi
	done
	echo "$initrd"
}

for arch in $arches; do
	# ARCH's kernels, variants it runs, and their names: x86 as before,
	# arm64 prefixed (build/vm/arm64-6.1-distro/)
	case $arch in
	x86) tag='' make_arch='' arch_kernels=$kernels arch_variants=$variants ;;
	arm64)
		tag=arm64- make_arch=ARCH=arm64 arch_kernels=$kernels
		arch_variants=$(for v in $variants; do case $v in distro) echo $v ;; esac; done)
		;;
	esac
	work=
	for v in $arch_variants; do
		if [ -n "$(variant_suites $v $arch)" ]; then
			work=1
		fi
	done
	[ -n "$work" ] || continue
	# lab kernels are x86 builds (icount boots the patched one); the distro
	# variants are packages
	lab_variants=
	if [ $arch = x86 ]; then
		lab_variants=$(for v in $variants; do
			case $v in patched|icount) echo patched ;; unpatched|symbol) echo $v ;; esac
		done | uniq)
	fi

	if [ $arch = arm64 ] && { ! command -v aarch64-linux-gnu-gcc > /dev/null ||
		! command -v qemu-system-aarch64 > /dev/null; }; then
		result FAIL "arm64" "no cross compiler or qemu-system-aarch64: run scripts/install-deps.sh arm64"
		continue
	fi
	t0=$(date +%s)
	echo "vmtest: make${make_arch:+ $make_arch} $static_targets"
	if ! make -C "$top" -s $make_arch $static_targets > "$vmdir/make-static-$arch.log" 2>&1; then
		cat "$vmdir/make-static-$arch.log" >&2
		result FAIL "make $make_arch static" "see build/vm/make-static-$arch.log"
		continue
	fi
	echo "${tag:-x86-}static binaries: make${make_arch:+ $make_arch} $static_targets $(( $(date +%s) - t0 )) s" >> "$times"

	echo "vmtest: $arch initramfs with suites:$suites"
	initramfs=$vmdir/${tag}initramfs.cpio
	"$top/scripts/vm/initramfs.sh" -a $arch "$initramfs" $suites
	bpftrace_cpio=
	if [ $arch = x86 ]; then
		for s in $suites; do
			in_list $s "$bpftrace_suites" && bpftrace_cpio=$vmdir/bpftrace.cpio
		done
	fi
	if [ -n "$bpftrace_cpio" ] && ! "$top/scripts/vm/bpftrace-cpio.sh" "$bpftrace_cpio"; then
		result FAIL "bpftrace for the initramfs" "scripts/vm/bpftrace-cpio.sh failed (output above)"
		exit 1
	fi

	for k in $arch_kernels; do
		t0=$(date +%s)
		# Take both variants from the cache, or build them (build.sh waits for
		# any other kernel build); either way "VARIANT DIR" lines
		built=
		for v in $lab_variants; do
			if d=$("$top/scripts/kernel/artifact.sh" "$k" "$v"); then
				built=$(printf '%s\n%s %s' "$built" "$v" "$d")
			else
				built=
				break
			fi
		done
		if [ -n "$lab_variants" ]; then
			if [ -z "$built" ] && ! built=$("$top/scripts/kernel/build.sh" "$k" $lab_variants); then
				result FAIL "kernel $k" "build failed (output above)"
				continue
			fi
			echo "kernel $k: build or cache lookup $(( $(date +%s) - t0 )) s" >> "$times"
			for v in $lab_variants; do
				dir=$(echo "$built" | awk -v v=$v '$1 == v { print $2 }')
				echo "kernel $k $v: $(grep build_seconds "$dir/BUILD") (when it was built)" >> "$times"
			done

			if "$top/scripts/kernel/checkpatch.sh" "$k" > "$vmdir/checkpatch-$k.log" 2>&1; then
				result PASS "$k checkpatch --strict" "$(grep -c '^PASS' "$vmdir/checkpatch-$k.log") patch(es) clean"
			else
				cat "$vmdir/checkpatch-$k.log"
				result FAIL "$k checkpatch --strict" "see build/vm/checkpatch-$k.log"
			fi
		fi

		# Debian's package of the series, fetched or from the cache, if a
		# distro variant has suites to run
		distro=
		if { in_list distro "$variants" && [ -n "$(variant_suites distro $arch)" ]; } ||
			{ in_list distro-full "$variants" && [ -n "$(variant_suites distro-full $arch)" ] && [ $k = 6.12 ]; }; then
			t0=$(date +%s)
			if distro=$("$top/scripts/vm/distro-kernel.sh" -a $arch "$k"); then
				echo "${tag}kernel $k distro: package fetch or cache lookup $(( $(date +%s) - t0 )) s" \
					"($(sed -n 's/^package=//p' "$distro/PACKAGE") $(sed -n 's/^version=//p' "$distro/PACKAGE");" \
					"$(grep fetch_seconds "$distro/PACKAGE") when fetched)" >> "$times"
				# The kernel unpacks concatenated cpio archives one after the other
				cat "$initramfs" "$distro/modules.cpio" > "$vmdir/initramfs-$tag$k-distro.cpio"
			else
				result FAIL "${tag}kernel $k distro" "fetching Debian's package failed (output above)"
				distro=
			fi
		fi

		for v in $arch_variants; do
			vsuites=$(variant_suites $v $arch)
			[ -n "$vsuites" ] || continue
			# the caller's VMTEST_APPEND (e.g. make bench-vm's) goes to every
			# boot, and so does its VMTEST_ICOUNT
			append=${caller_append} icount=${VMTEST_ICOUNT:-}
			case $v in
			distro|distro-full)
				[ -n "$distro" ] || continue
				# One boot with preempt=full is enough: on 6.12
				[ $v = distro-full ] && [ $k != 6.12 ] && continue
				[ $v = distro-full ] && append="preempt=full${append:+ $append}"
				dir=$distro image=$distro/vmlinuz initrd=$vmdir/initramfs-$tag$k-distro.cpio
				;;
			*)
				[ $v = icount ] && icount=$icount_opts
				dir=$(echo "$built" | awk -v v=${v/icount/patched} '$1 == v { print $2 }')
				image=$dir/bzImage initrd=$initramfs
				;;
			esac
			initrd=$(with_bpftrace "$initrd" $vsuites)
			out=$vmdir/$tag$k-$v
			echo "vmtest: booting $tag$k $v ($(basename "$dir"))${append:+ with $append}${icount:+, -icount $icount}"
			t0=$(date +%s)
			booted=0
			VMTEST_APPEND=$append VMTEST_ICOUNT=$icount "$top/scripts/vm/run-qemu.sh" -a $arch "$image" "$initrd" \
				"$out" "$k" "$v" $vsuites && booted=1
			echo "${tag}kernel $k $v: boot + suites $(( $(date +%s) - t0 )) s" >> "$times"
			# The kernel's own clock (PRINTK_TIME) when it started /init
			boot=$(cat "$out"/*/dmesg.txt 2>/dev/null |
				sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' | head -n 1)
			echo "${tag}kernel $k $v: booted to /init in ${boot:-?} s (guest clock)" >> "$times"
			if [ $booted -eq 0 ]; then
				result FAIL "$tag$k $v VM" "$(cat "$out/harness-error" | tr '\n' ' ') (see $out/console.log)"
			fi
			for s in $vsuites; do
				if [ ! -d "$out/$s" ]; then
					result FAIL "$tag$k $v $s" "no output from the guest"
					continue
				fi
				if [ -f "$out/$s/guest-uptime" ]; then
					echo "${tag}kernel $k $v suite $s: $(awk '{ printf "%.1f s in the guest", $2 - $1 }' "$out/$s/guest-uptime")" >> "$times"
				fi
				export KERNEL=$k VARIANT=$v PATCHED_OUT='' DISTRO_DIR=''
				case $v in distro*) DISTRO_DIR=$dir ;; esac
				[ "$v" != patched ] && [ -d "$vmdir/$k-patched/$s" ] && PATCHED_OUT=$vmdir/$k-patched/$s
				if "$top/tests/vm/$s/check.sh" "$out/$s" > "$out/$s/check.log" 2>&1; then
					sed 's/^/    /' "$out/$s/check.log"
					result PASS "$tag$k $v $s"
				else
					sed 's/^/    /' "$out/$s/check.log"
					result FAIL "$tag$k $v $s" "$(grep -m1 '^FAIL' "$out/$s/check.log" || echo 'checker failed')"
				fi
			done
		done
	done
done

echo "total: $(( $(date +%s) - t_start )) s" >> "$times"
echo "--- times (build/vm/times.txt)"
cat "$times"
echo "--- $(grep -c '^PASS' "$vmdir/results.txt") passed, $failures failed"
[ $failures -eq 0 ]
