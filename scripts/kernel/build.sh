#!/usr/bin/env bash
# Build (or find in the cache) the test VM kernels for one Debian kernel:
# the unpatched kernel, the one carrying kernel-patch/<version>/, and
# "symbol": unpatched, with mm/memory.c compiled with
# -fno-inline-functions-called-once, as some distributions' kernels are
# (CONFIG_DEBUG_SECTION_MISMATCH), so that copy_pte_range() is a symbol and
# ptcopy's per-call probes can be tested on it; GCC otherwise inlines it
# into its only caller.
#
# usage: scripts/kernel/build.sh VERSION [VARIANT...]
#   VERSION  6.1 or 6.12 (Debian's linux-source-<VERSION> package)
#   VARIANT  patched, unpatched, symbol (default: all three)
# Prints "VARIANT DIR" per variant; DIR holds bzImage, System.map, config,
# vmlinux.h and build.log.
#
# The variants are built in one tree kept in the cache, one after the
# other: the patch touches mm/memory.c and adds a header, and the symbol
# variant changes mm/memory.c's flags, so later builds only recompile those
# and relink (a cold build takes minutes on 2 cores, the incremental one a
# fraction of that). The tree is keyed like
# the unpatched kernel, so a new patch revision reuses it too.
#
# Environment: PTCOPY_CACHE (default /var/cache/ptcopy), JOBS (default
# nproc + 1). Only one kernel build runs at a time (a lock in the cache):
# the machine has 2 cores and other builds run on it.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 VERSION [patched|unpatched]..." >&2; exit 2; }
version=$1
shift
check_kernel "$version"
variants=${*:-unpatched symbol patched}
for v in $variants; do
	artifact_dir "$version" "$v" > /dev/null
done
[ -n "$(series "$version")" ] || die "no patches in kernel-patch/$version/"

jobs=${JOBS:-$(( $(nproc) + 1 ))}
treekey=$(tree_key "$version")
tree=$cache/src/linux-$version-$treekey

# Unpack Debian's source and configure it: tinyconfig, then the fragment.
prepare_tree() {
	local t0 tmp
	[ -f "$tree/.ptcopy-configured" ] && return
	t0=$(date +%s)
	# An older tree of this version (other config or scripts) is of no use
	rm -rf "$cache/src/linux-$version-"*
	tmp=$cache/src/.unpack-$version-$$
	mkdir -p "$tmp"
	log "$version: unpacking $(tarball "$version")"
	tar -xJf "$(tarball "$version")" -C "$tmp"
	mv "$tmp/linux-source-$version" "$tree"
	rmdir "$tmp"

	log "$version: configuring (tinyconfig + $(basename "$fragment"))"
	make -C "$tree" -s tinyconfig > /dev/null
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$fragment" \
		> "$tree/.ptcopy-config.log" 2>&1
	make -C "$tree" -s olddefconfig >> "$tree/.ptcopy-config.log" 2>&1
	check_config
	echo "prepare_seconds: $(( $(date +%s) - t0 )) (unpack + configure)" > "$tree/.ptcopy-prepare-time"
	touch "$tree/.ptcopy-configured"
}

# Every symbol the fragment sets must hold in .config; a symbol this kernel
# does not know (zram's crypto dependency is 6.1's) is only noted.
check_config() {
	local line sym want have bad=0
	find "$tree" -name 'Kconfig*' -not -path '*/Documentation/*' -print0 |
		xargs -0 sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\2/p' |
		sort -u > "$tree/.ptcopy-symbols"
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			want=$line ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			want=$line ;;
		*) continue ;;
		esac
		have=$(grep -E "^$sym=|^# $sym is not set" "$tree/.config" || true)
		[ -n "$have" ] || have="# $sym is not set"
		[ "$have" = "$want" ] && continue
		if ! grep -qx "${sym#CONFIG_}" "$tree/.ptcopy-symbols"; then
			log "$version: $sym is not a symbol of this kernel, skipped"
			continue
		fi
		log "$version: config fragment wants '$want' but .config has '$have' (unmet dependency?)"
		bad=1
	done < "$fragment"
	[ $bad -eq 0 ] || { rm -rf "$tree"; die "$version: config fragment does not apply"; }
}

# apply_variant VARIANT: revert the applied series if it is not the one
# wanted, then apply the wanted one. A tree left half-patched by an
# interrupted run is thrown away.
apply_variant() {
	local want=none have p
	[ "$1" = patched ] && want=$(series_key "$version")
	# symbol, unpatched: no patch
	have=$(cat "$tree/.ptcopy-applied" 2>/dev/null || echo none)
	[ "$have" = "$want" ] && return
	if [ "$have" != none ]; then
		log "$version: reverting the previously applied series"
		for p in $(ls "$tree/.ptcopy-series"/*.patch | LC_ALL=C sort -r); do
			patch -R -p1 -s -d "$tree" < "$p" || {
				rm -rf "$tree"
				die "$version: cannot revert $p; tree removed, run again"
			}
		done
		rm -rf "$tree/.ptcopy-series"
		echo none > "$tree/.ptcopy-applied"
	fi
	[ "$want" = none ] && return
	mkdir -p "$tree/.ptcopy-series"
	echo partial > "$tree/.ptcopy-applied"
	for p in $(series "$version"); do
		log "$version: applying $(basename "$p")"
		patch -p1 -s --no-backup-if-mismatch -d "$tree" < "$p" ||
			die "$version: $(basename "$p") does not apply to linux-source-$version"
		cp "$p" "$tree/.ptcopy-series/"
	done
	echo "$want" > "$tree/.ptcopy-applied"
}

# build_variant VARIANT DIR
build_variant() {
	local dir=$2 t0 secs flags=
	apply_variant "$1"
	# Kbuild adds CFLAGS_<stem>.o to that object's command line, and
	# rebuilds an object whose command line changed
	[ "$1" = symbol ] && flags=-fno-inline-functions-called-once
	log "$version $1: building bzImage (make -j$jobs, log in $dir.log)"
	t0=$(date +%s)
	mkdir -p "$(dirname "$dir")"
	if ! nice -n 10 make -C "$tree" -j"$jobs" "CFLAGS_memory.o=$flags" bzImage > "$dir.log" 2>&1; then
		tail -n 30 "$dir.log" >&2
		die "$version $1: kernel build failed, see $dir.log"
	fi
	secs=$(( $(date +%s) - t0 ))
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	cp "$tree/arch/x86/boot/bzImage" "$tree/System.map" "$dir.tmp/"
	cp "$tree/.config" "$dir.tmp/config"
	bpftool btf dump file "$tree/vmlinux" format c > "$dir.tmp/vmlinux.h"
	mv "$dir.log" "$dir.tmp/build.log"
	{
		echo "kernel: linux-source-$version $(debian_version "$version")"
		echo "variant: $1"
		[ "$1" = patched ] &&
			echo "series: $(series "$version" | xargs -n1 basename | tr '\n' ' ')"
		[ "$1" = symbol ] && echo "mm/memory.o: $flags"
		[ "$1" = unpatched ] && cat "$tree/.ptcopy-prepare-time" 2>/dev/null || true
		echo "build_seconds: $secs"
		echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} > "$dir.tmp/BUILD"
	mv "$dir.tmp" "$dir"
	log "$version $1: built in $secs s"
}

mkdir -p "$cache"
exec 9> "$cache/build.lock"
if ! flock -n 9; then
	log "waiting for another kernel build to finish"
	flock 9
fi

# Build the unpatched kernel first: the others then only recompile
# mm/memory.c. (Any order works; the cache keeps them all.)
for v in unpatched symbol patched; do
	case " $variants " in *" $v "*) ;; *) continue ;; esac
	dir=$(artifact_dir "$version" "$v")
	if [ ! -f "$dir/bzImage" ]; then
		prepare_tree
		build_variant "$v" "$dir"
	fi
	echo "$v $dir"
done
