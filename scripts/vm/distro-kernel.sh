#!/usr/bin/env bash
# Fetch Debian's distribution kernel of one series and unpack what the VM
# tests boot: the newest linux-image-6.1.0-N-amd64(-unsigned) or
# linux-image-6.12.N+deb12-amd64(-unsigned) in the archive, or with -a arm64
# the newest linux-image-6.1.0-N-arm64(-unsigned) (dpkg must know the
# foreign architecture: scripts/install-deps.sh arm64 adds it).
#
# usage: scripts/vm/distro-kernel.sh [-a x86|arm64] 6.1|6.12
#
# Prints the directory that holds, for that package version:
#   vmlinuz        the kernel as the package ships it (arm64: a gzipped
#                  Image, which qemu's -kernel unpacks)
#   config         the package's /boot/config-*
#   modules.cpio   newc archive of /lib/modules/<release>/ with the modules
#                  the suites load (zram, what modules.dep says it needs,
#                  and its default compressor if that is a module),
#                  decompressed (busybox insmod reads no .ko.xz), and
#                  load-order: their paths, dependencies first
#   PACKAGE        package, version, kernel release, seconds the fetch took
# The directory is $PTCOPY_CACHE/distro/<package>_<version> (default
# /var/cache/ptcopy): outside the clone, kept across runs, so that a second
# run needs no network. The .deb itself is not kept.
#
# Which version is newest is apt's view after `apt-get update`; when the
# archive cannot be reached the newest version already in the cache is used,
# with a warning.
set -eu

arch=x86
if [ "${1:-}" = -a ]; then
	arch=${2:-}
	shift 2 || true
fi
series=${1:-}
# ptcopy's architecture names (the kernel's) and Debian's
case $arch in
x86) deb_arch=amd64 ;;
arm64) deb_arch=arm64 ;;
*) echo "usage: $0 [-a x86|arm64] 6.1|6.12 (unknown architecture '$arch')" >&2; exit 2 ;;
esac
case $series in
6.1) pattern="^linux-image-6\\.1\\.0-[0-9]+-$deb_arch(-unsigned)?\$" ;;
6.12) pattern="^linux-image-6\\.12\\.[0-9]+\\+deb12-$deb_arch(-unsigned)?\$" ;;
*) echo "usage: $0 [-a x86|arm64] 6.1|6.12" >&2; exit 2 ;;
esac
cache=${PTCOPY_CACHE:-/var/cache/ptcopy}/distro
mkdir -p "$cache"
say() { echo "distro-kernel $series $arch: $*" >&2; }

# One fetch at a time on the machine: parallel work trees share the cache
exec 9> "$cache/.lock"
flock 9

t0=$(date +%s)
apt_opts="-o DPkg::Lock::Timeout=900 -q"
online=1
if ! apt-get $apt_opts update > "$cache/.apt-update-$series-$arch.log" 2>&1; then
	say "apt-get update failed (tail of $cache/.apt-update-$series-$arch.log):"
	tail -n 3 "$cache/.apt-update-$series-$arch.log" >&2
	online=0
fi

# The newest package of the series by Debian version; where a version has a
# signed and an unsigned package, the unsigned one (the same kernel, with
# no Secure Boot signature that qemu would ignore anyway)
newest='' newest_ver=''
# (qualified by the architecture: a foreign one is no candidate otherwise)
pkgs=$(apt-cache search --names-only "$pattern" | cut -d' ' -f1 | sed "s/\$/:$deb_arch/")
# One apt-cache call for all: "PACKAGE VERSION" lines, the candidate of each
while read -r pkg ver; do
	[ -n "$ver" ] || continue
	if [ -z "$newest" ] || dpkg --compare-versions "$ver" gt "$newest_ver" ||
		{ [ "$ver" = "$newest_ver" ] && [ "${pkg%-unsigned}" != "$pkg" ]; }; then
		newest=$pkg newest_ver=$ver
	fi
done < <([ -z "$pkgs" ] || apt-cache show --no-all-versions $pkgs 2>/dev/null |
	awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }')

cached_newest() {
	# The newest version of the series in the cache
	local d best='' best_ver='' ver
	for d in "$cache"/*/PACKAGE; do
		[ -f "$d" ] || continue
		grep -Eq "^package=$(echo "$pattern" | sed 's/^\^//; s/\$$//')\$" "$d" || continue
		ver=$(sed -n 's/^version=//p' "$d")
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best_ver"; then
			best=$(dirname "$d") best_ver=$ver
		fi
	done
	echo "$best"
}

if [ -z "$newest" ]; then
	d=$(cached_newest)
	[ -n "$d" ] || { say "no package matches $pattern in apt's lists and none is cached"; exit 1; }
	say "apt knows no package of the series; using the cached $(basename "$d")"
	echo "$d"
	exit 0
fi
dir=$cache/${newest}_$newest_ver
if [ -f "$dir/PACKAGE" ]; then
	echo "$dir"
	exit 0
fi

say "fetching $newest $newest_ver"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt drops its privileges to _apt for the download where it can write
chmod 777 "$work"
if ! (cd "$work" && apt-get $apt_opts download "$newest:$deb_arch=$newest_ver") > "$work/download.log" 2>&1; then
	cat "$work/download.log" >&2
	d=$(cached_newest)
	if [ $online -eq 0 ] && [ -n "$d" ]; then
		say "download failed, offline: using the cached $(basename "$d")"
		echo "$d"
		exit 0
	fi
	say "apt-get download $newest=$newest_ver failed"
	exit 1
fi
dpkg-deb -x "$work"/*.deb "$work/root"
rel=$(ls "$work/root/lib/modules")
[ "$(echo "$rel" | wc -w)" = 1 ] || { say "expected one kernel release in the package, found: $rel"; exit 1; }
mkdir -p "$work/out"
cp "$work/root/boot/vmlinuz-$rel" "$work/out/vmlinuz"
cp "$work/root/boot/config-$rel" "$work/out/config"

# The modules the suites need and, from modules.dep, everything they need;
# before 6.12 the default zram compressor is loaded by name
# (crypto_alloc_comp), which modules.dep cannot know: add its module
# through modules.alias if it is one.
moddir=$work/root/lib/modules/$rel
# The package leaves modules.dep and modules.alias to depmod at install time
depmod -b "$work/root" "$rel"
want=zram
comp=$(sed -n 's/^CONFIG_ZRAM_DEF_COMP="\(.*\)"/\1/p' "$work/out/config")
# Since 6.12 zram calls its compressors directly (CONFIG_ZRAM_BACKEND_*),
# and modules.dep has them; before, through the crypto API
if [ -n "$comp" ] && ! grep -q '^CONFIG_ZRAM_BACKEND_' "$work/out/config"; then
	m=$(awk -v a="crypto-$comp" '$1 == "alias" && $2 == a { print $3; exit }' "$moddir/modules.alias")
	[ -n "$m" ] && want="$m $want"
fi
# load-order: depth first over modules.dep, dependencies before dependents
order=$(awk -v want="$want" '
	{ sub(/:$/, "", $1); path = $1; name = path; sub(/.*\//, "", name); sub(/\.ko(\.[a-z]+)?$/, "", name)
	  gsub(/-/, "_", name); file[name] = path; deps[path] = "" ; for (i = 2; i <= NF; i++) deps[path] = deps[path] " " $i }
	function visit(p,   n, i, d) {
		if (p in seen) return
		seen[p] = 1
		n = split(deps[p], d, " ")
		for (i = n; i >= 1; i--) visit(d[i])
		print p
	}
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (!(m in file)) { print "missing " m > "/dev/stderr"; exit 1 }
			visit(file[m])
		}
	}' < <(sed 's/: */: /' "$moddir/modules.dep"))
mkdir -p "$work/cpio/lib/modules/$rel"
for p in $order; do
	dst=$work/cpio/lib/modules/$rel/${p%.xz}
	mkdir -p "$(dirname "$dst")"
	case $p in
	*.xz) xz -dc "$moddir/$p" > "$dst" ;;
	*.zst) zstd -qdc "$moddir/$p" > "${dst%.zst}"; dst=${dst%.zst} ;;
	*) cp "$moddir/$p" "$dst" ;;
	esac
	echo "/lib/modules/$rel/${dst#"$work/cpio/lib/modules/$rel/"}" >> "$work/cpio/lib/modules/$rel/load-order"
done
cp "$work/cpio/lib/modules/$rel/load-order" "$work/out/load-order"
(cd "$work/cpio" && find . -print | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner 0:0 --reproducible) > "$work/out/modules.cpio"
{
	echo "package=$newest"
	echo "arch=$arch"
	echo "version=$newest_ver"
	echo "release=$rel"
	echo "fetch_seconds=$(( $(date +%s) - t0 ))"
} > "$work/out/PACKAGE"
rm -rf "$dir"
mv "$work/out" "$dir"
say "$(basename "$dir"): $(wc -l < "$dir/load-order") module(s): $(xargs -n1 basename < "$dir/load-order" | tr '\n' ' ')"
echo "$dir"
