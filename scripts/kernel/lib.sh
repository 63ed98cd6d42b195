# Shared by scripts/kernel/*.sh (sourced, bash): where Debian's kernel sources
# are, where built kernels are cached, and the content keys of both.
#
# A kernel artifact is keyed by everything that changes its bytes: the Debian
# source tarball (its hash and package version), the config fragment, the
# build scripts, the compiler and pahole, and, for the patched variant, the
# patch series. Change any of them and the key changes; nothing else does.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PTCOPY_CACHE:-/var/cache/ptcopy}
fragment=$top/kernel-patch/vm.config

die() {
	echo "kernel: $*" >&2
	exit 1
}

log() {
	echo "kernel: $*" >&2
}

# check_kernel VERSION: only the two Debian kernels the patch is made for
check_kernel() {
	case $1 in
	6.1|6.12) ;;
	*) die "unknown kernel '$1' (6.1 or 6.12)" ;;
	esac
}

tarball() {
	echo "/usr/src/linux-source-$1.tar.xz"
}

# The patch series of a kernel, in order
series() {
	ls "$top/kernel-patch/$1"/*.patch 2>/dev/null | LC_ALL=C sort
}

# Hashing a 150 MB tarball takes a second; remember it by size and mtime.
tarball_sha() {
	local tb stamp memo
	tb=$(tarball "$1")
	[ -r "$tb" ] || die "$tb missing: install linux-source-$1 (scripts/install-deps.sh vm)"
	stamp=$(stat -c '%s-%Y' "$tb")
	memo=$cache/tarball-$1.sha256
	if [ -f "$memo" ] && [ "$(cut -d' ' -f1 "$memo")" = "$stamp" ]; then
		cut -d' ' -f2 "$memo"
		return
	fi
	local sum
	sum=$(sha256sum < "$tb" | cut -d' ' -f1)
	mkdir -p "$cache"
	echo "$stamp $sum" > "$memo"
	echo "$sum"
}

debian_version() {
	dpkg-query -W -f='${Version}' "linux-source-$1" 2>/dev/null || echo unknown
}

# Key of the unpatched kernel (and of the build tree both variants share)
tree_key() {
	{
		echo "linux-source-$1 $(debian_version "$1") $(tarball_sha "$1")"
		cat "$fragment" "$top/scripts/kernel/lib.sh" "$top/scripts/kernel/build.sh"
		gcc --version | head -n 1
		pahole --version
	} | sha256sum | cut -c1-16
}

series_key() {
	local p
	series "$1" | while read -r p; do cat "$p"; done | sha256sum | cut -c1-16
}

# artifact_dir VERSION VARIANT: where the built kernel of that key lives
artifact_dir() {
	local key
	key=$(tree_key "$1")
	case $2 in
	unpatched|symbol) echo "$cache/kernels/$1-$2-$key" ;;
	patched) echo "$cache/kernels/$1-patched-$key-$(series_key "$1")" ;;
	*) die "unknown variant '$2' (patched, unpatched or symbol)" ;;
	esac
}
