#!/usr/bin/env bash
# What carrying kernel-patch/ costs with its events off: fork latency on the
# patched lab kernel against the unpatched one of the same version (one
# source, one config), under qemu TCG, nothing traced (issue 9 target:
# within +-0.5%). Boots of the two kernels alternate, the order flipped
# every round (odd rounds patched first, even rounds unpatched first), so
# that a drift of the machine does not land on one kernel; each boot runs
# tests/vm/forkcost (forkload, 1 GiB THP off, 51 forks, the first left out:
# 50 per boot) and its checker. The figure of a boot is the median of its
# forks; per round, the ratio patched/unpatched of those medians; printed:
# each kernel's per-boot medians, median [min-max], the median of all its
# forks pooled (shown, no target), and the per-round ratio, median
# [min-max], then PASS/MISS on the median ratio. Where the ratios' own
# spread crosses an edge of +-0.5% the report says so: TCG on a shared
# machine cannot decide the target then, whatever the median says. With
# VMTEST_ICOUNT (make bench-vm sets it) every boot runs under qemu's
# -icount with one vCPU (run-qemu.sh): a time is then a count of the
# instructions run, and the figures repeat boot after boot.
#
# usage: scripts/bench/patch-cost.sh [-k 6.1|6.12] [-r ROUNDS] [-s]
#   -k  the kernel version (default 6.1)
#   -r  rounds, each one boot of either kernel (default 10)
#   -s  smoke: forkcost's small run (64 MiB, 6 forks), to check the script
# Output: build/vm/patch-cost-<version>/<round>-<variant>/forkcost/ per
# boot, report.txt there. Exit 0 if every boot gave its figures (a MISS is
# a finding, not a failure), 1 otherwise.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
version=6.1 rounds=10 append=ptcopy.forkcost=full
while getopts k:r:sh opt; do
	case $opt in
	k) version=$OPTARG ;;
	r) rounds=$OPTARG ;;
	s) append= ;;
	*) sed -n '/^# usage:/,/^#   -s/s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
case $version in 6.1|6.12) ;; *) echo "patch-cost: unknown kernel '$version' (6.1, 6.12)" >&2; exit 2 ;; esac
case $rounds in '' | *[!0-9]* | 0 | 1) echo "patch-cost: -r needs a number of rounds >= 2" >&2; exit 2 ;; esac

dir=$top/build/vm/patch-cost-$version
rm -rf "$dir"
mkdir -p "$dir"
echo "patch-cost: make static"
make -C "$top" -s static > "$dir/make-static.log" 2>&1 || { cat "$dir/make-static.log" >&2; exit 1; }
"$top/scripts/vm/initramfs.sh" "$dir/initramfs.cpio" forkcost
# the two kernels, from the cache or built (build.sh waits for other builds)
if ! p=$("$top/scripts/kernel/artifact.sh" "$version" patched) ||
	! u=$("$top/scripts/kernel/artifact.sh" "$version" unpatched); then
	built=$("$top/scripts/kernel/build.sh" "$version" patched unpatched) || exit 1
	p=$(echo "$built" | awk '$1 == "patched" { print $2 }')
	u=$(echo "$built" | awk '$1 == "unpatched" { print $2 }')
fi

# median FILE: of a column of numbers; minmax FILE: "MIN-MAX"
median() {
	sort -g "$1" | awk -v OFMT=%.10g '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minmax() {
	sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'
}

failed=0
: > "$dir/boots.txt"
r=1
while [ $r -le "$rounds" ]; do
	order="patched unpatched"
	[ $((r % 2)) -eq 0 ] && order="unpatched patched"
	for v in $order; do
		case $v in patched) k=$p ;; *) k=$u ;; esac
		out=$dir/$r-$v
		echo "patch-cost: round $r/$rounds, $v ($(basename "$k"))"
		if ! VMTEST_APPEND=$append "$top/scripts/vm/run-qemu.sh" "$k/bzImage" "$dir/initramfs.cpio" \
			"$out" "$version" $v forkcost; then
			echo "patch-cost: $v boot of round $r: $(cat "$out/harness-error" 2>/dev/null)" >&2
			failed=1
			continue
		fi
		if ! KERNEL=$version VARIANT=$v "$top/tests/vm/forkcost/check.sh" "$out/forkcost" \
			> "$out/check.log" 2>&1; then
			sed 's/^/    /' "$out/check.log" >&2
			failed=1
			continue
		fi
		echo "$r $v $(median "$out/forkcost/forks.txt")" >> "$dir/boots.txt"
	done
	r=$((r + 1))
done

{
	info=$(sed -n 1p "$dir/1-patched/forkcost/info.txt" 2>/dev/null || true)
	echo "patched kernel, events off, vs unpatched: fork latency under qemu TCG${VMTEST_ICOUNT:+ -icount $VMTEST_ICOUNT (one vCPU; times count instructions)}, nothing traced (ratios only)"
	echo "$info; $rounds rounds, boots alternated (odd rounds patched first)"
	echo "per boot: the median of its forks (the first left out); ms"
	for v in patched unpatched; do
		awk -v v=$v '$2 == v { printf "%.3f\n", $3 / 1e6 }' "$dir/boots.txt" > "$dir/$v.txt"
		printf '%-10s %.3f [%s] over %d boots\n' $v "$(median "$dir/$v.txt")" "$(minmax "$dir/$v.txt")" \
			"$(wc -l < "$dir/$v.txt")"
	done
	# every fork kept, of all boots of a kernel: one median each
	for v in patched unpatched; do
		cat "$dir"/*-$v/forkcost/forks.txt > "$dir/$v-forks.txt" 2>/dev/null || true
	done
	awk -v p="$(median "$dir/patched-forks.txt")" -v u="$(median "$dir/unpatched-forks.txt")" \
		-v np="$(wc -l < "$dir/patched-forks.txt")" -v nu="$(wc -l < "$dir/unpatched-forks.txt")" \
		'BEGIN { if (p > 0 && u > 0) printf "pooled     patched %.3f ms (%d forks), unpatched %.3f ms (%d forks): %.4f\n",
			p / 1e6, np, u / 1e6, nu, p / u }'
	# per round: patched / unpatched, the two boots of the round
	awk '{ m[$1, $2] = $3; r[$1] = 1 }
		END { for (i in r) if (m[i, "patched"] > 0 && m[i, "unpatched"] > 0) print m[i, "patched"] / m[i, "unpatched"] }' \
		"$dir/boots.txt" > "$dir/ratios.txt"
	n=$(wc -l < "$dir/ratios.txt")
	if [ "$n" -eq 0 ]; then
		echo "ratio      no round with both boots"
		echo "MISS  patched kernel (events off) fork latency within +-0.5% of unpatched (no figures)"
	else
		m=$(median "$dir/ratios.txt")
		lo=$(sort -g "$dir/ratios.txt" | head -n 1) hi=$(sort -g "$dir/ratios.txt" | tail -n 1)
		printf 'ratio      %.4f [%.4f-%.4f] patched/unpatched over %d rounds\n' "$m" "$lo" "$hi" "$n"
		awk -v m="$m" 'BEGIN { d = m - 1; if (d < 0) d = -d
			printf "%s  patched kernel (events off) fork latency within +-0.5%% of unpatched (%+.2f%%)\n",
				d <= 0.005 ? "PASS" : "MISS", (m - 1) * 100 }'
		# every round inside the band, or every round outside it on one
		# side, decides; a spread across a band edge does not
		awk -v lo="$lo" -v hi="$hi" 'BEGIN {
			printf "spread: per-round ratios %+.2f%% to %+.2f%%, ", (lo - 1) * 100, (hi - 1) * 100
			if (lo >= 0.995 && hi <= 1.005)
				print "every round inside +-0.5%"
			else if (hi < 0.995 || lo > 1.005)
				print "every round outside +-0.5% on the same side: the two builds differ"
			else
				print "wider than +-0.5%: this run cannot decide the target" }'
	fi
} > "$dir/report.txt"
echo "targets missed: $(grep -c '^MISS' "$dir/report.txt")" >> "$dir/report.txt"
cat "$dir/report.txt"
exit $failed
