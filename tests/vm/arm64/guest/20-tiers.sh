# The distro suite's tiers on Debian's arm64 kernel, fentry only where the
# kernel attaches it (tests/vm/arm64/check.sh holds that to the kernel's
# config: ftrace direct calls); the tiers run go to tiers.txt.
. $TESTS/lib/guest.sh
PTCOPY_TIERS="kprobe tracepoint"
ptcopy --probe --tier=fentry > /dev/null 2>&1 && PTCOPY_TIERS="fentry $PTCOPY_TIERS"
echo "$PTCOPY_TIERS" > tiers.txt
. $TESTS/distro/guest/20-tiers.sh
