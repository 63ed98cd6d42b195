#!/usr/bin/env bash
# Kernel C style on ptcopy's own C code (BPF, user space, tests): the
# kernel's scripts/checkpatch.pl --no-tree, from Debian's linux-source
# (the build tree scripts/kernel/build.sh caches, or unpacked from the
# tarball). Fails on any error or warning it reports.
#
# usage: scripts/check-style.sh [FILE...]   (default: every tracked .c/.h)
#
# Ignored, because the rule is the kernel's own and does not apply here:
#   MACRO_ARG_UNUSED COMPLEX_MACRO MULTISTATEMENT_MACRO_USE_DO_WHILE
#   TRAILING_SEMICOLON MACRO_WITH_FLOW_CONTROL LINE_SPACING
#       bpf/ptcopy.h's X-macro tables expand, by design, to statements,
#       declarations and initialisers, and not every use takes every column
#   SPLIT_STRING       help and HELP texts are wrapped at 100 columns
#   STRCPY STRNCPY     there is no strscpy() in user space or BPF
#   ARRAY_SIZE         no <linux/kernel.h> in user space
#   USE_NEGATIVE_ERRNO argp's parser callbacks return positive errno values
#   VOLATILE           libbpf's `const volatile` configuration in BPF objects
#   PREFER_DEFINED_ATTRIBUTE_MACRO  no <linux/compiler_attributes.h> outside
#   AVOID_EXTERNS      libFuzzer's and GnuTLS's symbols, declared where stubbed
#   NAKED_SSCANF       cmocka's assert_int_equal(sscanf(...), n) checks it
#   EMBEDDED_FUNCTION_NAME  false positives on words like "usage" in messages
#   STATIC_CONST_CHAR_ARRAY argv arrays handed to argp are char *[] by its API
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/kernel/lib.sh"

version=6.12
checkpatch=
for t in "$cache/src/linux-$version-"*; do
	[ -x "$t/scripts/checkpatch.pl" ] && checkpatch=$t/scripts/checkpatch.pl
done
tmp=
trap 'rm -rf $tmp' EXIT
if [ -z "$checkpatch" ]; then
	tb=$(tarball $version)
	[ -r "$tb" ] || die "no $tb: scripts/install-deps.sh vm installs linux-source-$version"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptcopy-style.XXXXXX")
	tar -xJf "$tb" -C "$tmp" --strip-components=1 "linux-source-$version/scripts/checkpatch.pl" \
		"linux-source-$version/scripts/spelling.txt" "linux-source-$version/scripts/const_structs.checkpatch"
	checkpatch=$tmp/scripts/checkpatch.pl
fi

cd "$top"
if [ $# -eq 0 ]; then
	set -- $(git ls-files '*.c' '*.h' | grep -v '^bpf/vmlinux/')
fi
ignore=MACRO_ARG_UNUSED,COMPLEX_MACRO,MULTISTATEMENT_MACRO_USE_DO_WHILE,TRAILING_SEMICOLON
ignore=$ignore,MACRO_WITH_FLOW_CONTROL,LINE_SPACING,SPLIT_STRING,STRCPY,STRNCPY,ARRAY_SIZE
ignore=$ignore,USE_NEGATIVE_ERRNO,VOLATILE,PREFER_DEFINED_ATTRIBUTE_MACRO,AVOID_EXTERNS
ignore=$ignore,NAKED_SSCANF,EMBEDDED_FUNCTION_NAME,STATIC_CONST_CHAR_ARRAY
report=$("$checkpatch" --no-tree --terse --show-types --color=never --max-line-length=100 \
	--ignore "$ignore" -f "$@" 2>&1 | grep -v '^total: 0 errors, 0 warnings,' || true)
if [ -n "$report" ]; then
	echo "$report"
	echo "FAIL style: checkpatch.pl --no-tree reports the above ($# files)"
	exit 1
fi
echo "PASS style: checkpatch.pl --no-tree clean ($# files)"
