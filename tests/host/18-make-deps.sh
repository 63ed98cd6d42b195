#!/usr/bin/env bash
# The Makefile reads the compiler's dependency files of the test objects too:
# after a header that only a test includes changes, the test is rebuilt.
# Built in a copy of the tree (timestamps kept) so that nothing here is touched.
# host-san: no (tests the build, not the binaries)
. tests/host/lib.sh

tree=$WORK/tree
mkdir -p "$tree/out"
cp -a Makefile bpf userspace tests scripts "$tree/"
# The skeletons already built from the same sources: no BPF compile needed
# (if they are stale make rebuilds them, which is only slower).
[ -d "$BUILD/skel" ] && cp -a "$BUILD/bpf" "$BUILD/skel" "$tree/out/"

unit=out/obj/tests/unit/test_tier.o
bpf=out/obj/tests/bpf/test_window.o
mk() { make -C "$tree" --no-print-directory OUTPUT=out "$@"; }

mk "$unit" "$bpf" > "$WORK/build.log" 2>&1 || fail "building the test objects failed: $(tail -n 5 "$WORK/build.log")"
for t in "$unit" "$bpf"; do
	[ -f "$tree/${t%.o}.d" ] || fail "$t: no dependency file written"
	mk -q "$t" || fail "$t not up to date right after building it"
done

# tier.h: included by tests/unit/test_tier.c; testrun.h: only by tests/bpf/*.c
sleep 1
touch "$tree/userspace/lib/tier.h"
rc=0; mk -q "$unit" || rc=$?
[ "$rc" -eq 1 ] || fail "after touching tier.h, make -q $unit exited $rc: the test would not be rebuilt"
mk -n V=1 "$unit" | grep -q -- "-o $unit\$" || fail "make -n does not rebuild $unit: $(mk -n V=1 "$unit")"

touch "$tree/tests/bpf/testrun.h"
rc=0; mk -q "$bpf" || rc=$?
[ "$rc" -eq 1 ] || fail "after touching testrun.h, make -q $bpf exited $rc: the test would not be rebuilt"
mk -n V=1 "$bpf" | grep -q -- "-o $bpf\$" || fail "make -n does not rebuild $bpf"
echo "test objects are rebuilt after their headers change"
