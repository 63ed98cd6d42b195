# The distro suite's 10-facts on Debian's arm64 kernel (tests/vm/arm64/check.sh
# holds it to that kernel's facts).
. $TESTS/distro/guest/10-facts.sh
