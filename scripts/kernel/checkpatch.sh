#!/usr/bin/env bash
# Run the kernel's own scripts/checkpatch.pl --strict, from the Debian tree
# each series is made for, on every patch of kernel-patch/<version>/, and
# fail on anything it reports (error, warning or check).
#
# usage: scripts/kernel/checkpatch.sh [VERSION...]   (default: 6.1 6.12)
#
# Uses the build tree cached by build.sh when there is one; otherwise it
# unpacks checkpatch and the files it reads from Debian's tarball. No VM.
set -eu
. "$(dirname "$0")/lib.sh"

versions=${*:-6.1 6.12}
fail=0
tmpdirs=
trap 'rm -rf $tmpdirs' EXIT
for version in $versions; do
	check_kernel "$version"
	root=
	for t in "$cache/src/linux-$version-"*; do
		[ -x "$t/scripts/checkpatch.pl" ] && root=$t
	done
	if [ -z "$root" ]; then
		root=$(mktemp -d "${TMPDIR:-/tmp}/ptcopy-checkpatch.XXXXXX")
		tmpdirs="$tmpdirs $root"
		# checkpatch wants to see a kernel tree around it
		tar -xJf "$(tarball "$version")" -C "$root" --strip-components=1 \
			"linux-source-$version/scripts" "linux-source-$version/MAINTAINERS" \
			"linux-source-$version/COPYING" "linux-source-$version/CREDITS" \
			"linux-source-$version/Kbuild" "linux-source-$version/Makefile" \
			"linux-source-$version/README" "linux-source-$version/include/linux/kernel.h"
		mkdir -p "$root/Documentation" "$root/arch" "$root/drivers" "$root/fs" \
			"$root/init" "$root/ipc" "$root/kernel" "$root/lib"
	fi
	[ -n "$(series "$version")" ] || { echo "FAIL checkpatch $version: no patches in kernel-patch/$version"; fail=1; continue; }
	for p in $(series "$version"); do
		name=$version/$(basename "$p")
		# --no-signoff is not used: a missing Signed-off-by must be caught
		if report=$(cd "$root" && ./scripts/checkpatch.pl --strict --color=never "$p" 2>&1) &&
		   echo "$report" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
			echo "PASS checkpatch --strict $name ($(echo "$report" | grep '^total:'))"
		else
			echo "$report" | sed 's/^/    /'
			echo "FAIL checkpatch --strict $name: $(echo "$report" | grep '^total:' || echo 'did not run')"
			fail=1
		fi
	done
done
exit $fail
