#!/usr/bin/env bash
# The shipped systemd unit (scripts/systemd/ptcopy_exporter.service) lets
# ptcopy see the kernel as it does outside: in the unit's mount namespace
# as systemd builds it (tests/vm/lib/unit-sandbox.sh emulates what ptcopy
# reads: ProtectKernelTunables=, ReadOnlyPaths=, InaccessiblePaths=),
# ptcopy --probe -j finds the same kernel symbols, frame functions, inline
# recognition, preemption mode, tiers and choice. The sandbox is real:
# /sys and /proc/sys are read-only in it, and debugfs too where mounted.
# With ProtectKernelTunables=yes added, as the unit had until it was
# found to hide /proc/kallsyms, --probe says that kallsyms is hidden and
# that the frame functions, the inline sites and the preemption mode are
# unknown for that reason, rather than calling them inlined or absent.
. tests/host/lib.sh
need_root
command -v unshare > /dev/null || skip "no unshare(1) to build the unit's mount namespace"

sandbox=tests/vm/lib/unit-sandbox.sh
unit=scripts/systemd/ptcopy_exporter.service
facts='[.why_ksyms, .sym_copy_page_range, .sym_cond_resched, .frame_fns, .inline.ok,
	.inline.func, .inline.why, .preempt_mode, .cond_resched_calls, .chosen, .frame,
	(.tiers | to_entries | map("\(.key)=\(.value.available)") | join(" "))] | @json'

"$PTCOPY" --probe -j > "$WORK/outside.json" || fail "ptcopy --probe -j exited $?"
sh "$sandbox" "$unit" "$PTCOPY" --probe -j > "$WORK/unit.json" 2> "$WORK/unit.err" ||
	fail "ptcopy --probe -j in the unit's sandbox exited $?: $(cat "$WORK/unit.err")"
out=$(jq -r "$facts" "$WORK/outside.json")
in=$(jq -r "$facts" "$WORK/unit.json")
[ "$out" = "$in" ] || fail "in the unit's sandbox ptcopy --probe sees $in, outside $out"
[ "$(jq -r .sym_copy_page_range "$WORK/unit.json")" != null ] ||
	fail "no copy_page_range in kallsyms, even outside: the comparison says nothing"
echo "unit's sandbox: $in"

# the sandbox does what it says: read-only where the unit says so
for m in /sys /proc/sys /sys/kernel/debug; do
	# debugfs only where this host mounts it
	if [ "$m" = /sys/kernel/debug ] && ! grep -q " $m " /proc/self/mounts; then
		continue
	fi
	opts=$(sh "$sandbox" "$unit" awk -v m="$m" '$2 == m { o = $4 } END { print o }' /proc/self/mounts)
	case ",$opts," in
	*,ro,*) ;;
	*) fail "$m is not read-only in the unit's sandbox: $opts" ;;
	esac
done

# what ProtectKernelTunables=yes would do: kallsyms empty, and said so
cp "$unit" "$WORK/tunables.service"
echo "ProtectKernelTunables=yes" >> "$WORK/tunables.service"
n=$(sh "$sandbox" "$WORK/tunables.service" sh -c 'wc -c < /proc/kallsyms')
[ "$n" -eq 0 ] || fail "ProtectKernelTunables=yes emulated: /proc/kallsyms still has $n bytes"
sh "$sandbox" "$WORK/tunables.service" "$PTCOPY" --probe -j > "$WORK/tunables.json" ||
	fail "ptcopy --probe -j under ProtectKernelTunables=yes exited $?"
why=$(jq -r .why_ksyms "$WORK/tunables.json")
case $why in
*"/proc/kallsyms"*"hidden"*) ;;
*) fail "ProtectKernelTunables=yes: why_ksyms is '$why'" ;;
esac
jq -e --arg w "$why" '.sym_copy_page_range == null and .frame_fns == false and
	.inline.ok == false and .inline.why == $w and .preempt_mode == "unknown" and
	.cond_resched_calls == false and (.why_resched | contains("kallsyms"))' \
	"$WORK/tunables.json" > /dev/null ||
	fail "ProtectKernelTunables=yes: --probe does not put what it cannot know down to kallsyms: $(jq -c "$facts" "$WORK/tunables.json")"
"$PTCOPY" --probe > "$WORK/outside.txt"
sh "$sandbox" "$WORK/tunables.service" "$PTCOPY" --probe > "$WORK/tunables.txt"
grep -q '^copy_page_range  *unknown (no kernel symbols)$' "$WORK/tunables.txt" ||
	fail "ProtectKernelTunables=yes: --probe's text: $(grep '^copy_page_range' "$WORK/tunables.txt")"
grep -q '^kallsyms  *yes$' "$WORK/outside.txt" ||
	fail "outside: --probe's kallsyms line: $(grep '^kallsyms' "$WORK/outside.txt")"
echo "ProtectKernelTunables=yes: $why"
no_progs_left "after the probes"
