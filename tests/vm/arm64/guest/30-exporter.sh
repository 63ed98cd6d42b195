# The distro suite's exporter check on Debian's arm64 kernel: on fentry
# where the kernel attaches it, else kprobe (the tier --probe chooses
# there); the tier goes to exporter-tier.txt.
. $TESTS/lib/guest.sh
PTCOPY_EXPORTER_TIER=kprobe
ptcopy --probe --tier=fentry > /dev/null 2>&1 && PTCOPY_EXPORTER_TIER=fentry
echo $PTCOPY_EXPORTER_TIER > exporter-tier.txt
. $TESTS/distro/guest/30-exporter.sh
