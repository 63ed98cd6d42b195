#!/usr/bin/env bash
# The report of one tests/vm/bench run (qemu TCG, Debian's distribution
# kernel): per configuration and path, the per-round paired ratio
# traced/untraced, its median with [min-max]; the programs each frame ran
# during one hot pass; the targets of issues 9 and 12 as PASS/MISS.
# Under TCG only ratios mean anything: every instruction is emulated, so
# absolute times (and per-program ns) are not the hardware's; they are not
# printed, except ns/run labelled as TCG for comparing programs.
#
# usage: scripts/bench/vm-report.sh OUTDIR   (build/vm/<kernel>-distro/bench)
set -eu
dir=${1:?usage: vm-report.sh OUTDIR}
[ -s "$dir/raw.txt" ] || { echo "vm-report: no $dir/raw.txt" >&2; exit 1; }
raw=$dir/raw.txt

echo "ptcopy bench under qemu TCG: $(sed -n 1p "$dir/info.txt") (ratios only)"
sed -n 2p "$dir/info.txt"
echo "$(sed -n 3p "$dir/info.txt"); fork: forkload, first fork of each run left out"
printf '%-15s %-7s %-26s %s\n' config path "ratio traced/untraced" "rounds"
configs=$(awk '!seen[$1]++ { print $1 }' "$raw")
for c in $configs; do
	for l in getpid fault mmap pipe fork; do
		# per round: traced / base, then median [min-max]
		awk -v c="$c" -v l="$l" '$1 == c && $2 == l { v[$4, $3] = $5; r[$4] = 1 }
			END { for (i in r) if (v[i, "base"] > 0 && v[i, "traced"] != "") print v[i, "traced"] / v[i, "base"] }' "$raw" |
			sort -g | awk -v c="$c" -v l="$l" '{ v[NR] = $1 } END {
				if (!NR) { printf "%-15s %-7s %s\n", c, l, "no figures"; exit }
				m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
				printf "%-15s %-7s %-26s %d\n", c, l, sprintf("%.4f [%.4f-%.4f]", m, v[1], v[NR]), NR
				print c, l, m > "/dev/stderr" }' 2>> "$dir/medians.txt"
	done
done

echo "programs run during one hot pass (exporter --bpf-stats): frame program runs ns/run(TCG)"
if [ -s "$dir/progs.txt" ]; then
	awk '{ printf "%-9s %-26s %9d %8d\n", $1, $2, $3, $3 ? $4 / $3 : 0 }' "$dir/progs.txt"
fi
for f in mmap_lock fentry; do
	grep -q "^$f " "$dir/progs.txt" 2>/dev/null || echo "$f    (no program of it ran)"
done

echo "targets:"
missed=0
target() {	# target NAME OK DETAIL
	if [ "$2" -eq 1 ]; then
		printf 'PASS  %s (%s)\n' "$1" "$3"
	else
		printf 'MISS  %s (%s)\n' "$1" "$3"
		missed=$((missed + 1))
	fi
}
while read -r c l m; do
	target "$c $l traced/untraced <= 1.01" "$(awk -v m="$m" 'BEGIN { print (m <= 1.01) }')" "$m"
	if [ "$c" = after ] && [ "$l" = fork ]; then
		target "inline tier fork latency traced/untraced <= 1.02 (issue 12)" \
			"$(awk -v m="$m" 'BEGIN { print (m <= 1.02) }')" "$m"
	fi
done < "$dir/medians.txt"
rm -f "$dir/medians.txt"
echo "targets missed: $missed"
