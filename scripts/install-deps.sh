#!/usr/bin/env bash
# Install the Debian packages ptcopy needs, and only those that are missing, so
# that `make run` and `make test` work on a fresh Debian 12 machine.
#
# usage: scripts/install-deps.sh [build|test|vm|arm64|all]...   (default: build)
#   arm64: the cross build (make ARCH=arm64) and the arm64 VM; adds arm64 to
#   dpkg's architectures first. busybox-static:arm64 is not installed: it
#   would replace the amd64 one (not co-installable); scripts/vm/busybox.sh
#   fetches it into the cache instead.
set -eu

pkgs_build="make gcc libc6-dev pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libmicrohttpd-dev libjson-c-dev libgnutls28-dev libyaml-dev libcrypt-dev nettle-dev
	libcapstone-dev libprotobuf-c-dev protobuf-c-compiler"
# Host tests: unit tests, JSON checks, Prometheus' promtool and server, the
# peer tracer used for cross-checks, HTTP load and scrapes, systemd-analyze
# for the unit, man for the man pages; openssl (test certificates) and
# htpasswd (bcrypt hashes) for the exporter's TLS and basic auth tests,
# valgrind for memcheck runs, python3 for the raw hostile clients,
# python3-jsonschema to hold ptcopy -j output to its schema.
pkgs_test="libcmocka-dev jq prometheus bpftrace wrk procps util-linux curl systemd man-db
	openssl apache2-utils valgrind python3 python3-jsonschema"
# Kernel builds and the qemu harness (tests/vm, kernel-patch); kmod: depmod
# for the modules of Debian's kernel packages (scripts/vm/distro-kernel.sh).
pkgs_vm="linux-source-6.1 linux-source-6.12 xz-utils bc flex bison libssl-dev libelf-dev
	dwarves cpio perl qemu-system-x86 busybox-static kmod"

# The cross compiler, and the libraries the tools and the static binaries
# link, for arm64 (multi-arch: beside the amd64 ones, same versions);
# qemu-system-arm has qemu-system-aarch64.
pkgs_arm64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
	libc6-dev:arm64 libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64
	libjson-c-dev:arm64 libcapstone-dev:arm64 libmicrohttpd-dev:arm64 libgnutls28-dev:arm64
	libyaml-dev:arm64 libcrypt-dev:arm64 nettle-dev:arm64 libprotobuf-c-dev:arm64"

want=
foreign=
for group in "${@:-build}"; do
	case $group in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test" ;;
	vm) want="$want $pkgs_build $pkgs_vm" ;;
	arm64) want="$want $pkgs_build $pkgs_arm64" foreign=arm64 ;;
	all) want="$want $pkgs_build $pkgs_test $pkgs_vm $pkgs_arm64" foreign=arm64 ;;
	*) echo "install-deps: unknown group '$group' (build, test, vm, arm64, all)" >&2; exit 2 ;;
	esac
done

# apt offers arm64 packages only once dpkg knows the architecture
add_arch=
if [ -n "$foreign" ] && [ "$(dpkg --print-architecture)" != "$foreign" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$foreign"; then
	add_arch=$foreign
fi

# installed PKG[:ARCH]: installed for ARCH (default: this machine's, or
# architecture-independent). With a foreign architecture, dpkg-query lists
# one line per installed architecture of a multi-arch package.
native=$(dpkg --print-architecture)
installed() {
	local name=${1%%:*} arch=${1#*:}
	[ "$arch" != "$1" ] || arch=$native
	dpkg-query -W -f='${Status} ${Architecture}\n' "$name" 2>/dev/null |
		grep -Eqx "install ok installed ($arch|all)"
}

missing=
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	installed "$p" || missing="$missing $p"
done
[ -n "$missing" ] || [ -n "$add_arch" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing${add_arch:+ (and dpkg --add-architecture $add_arch)}; run as root or install them with apt-get" >&2
	exit 1
fi
if [ -n "$add_arch" ]; then
	echo "install-deps: dpkg --add-architecture $add_arch"
	dpkg --add-architecture "$add_arch"
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Third-party sources configured on the machine may be unreachable; only
# Debian's archive is needed, so a partial update is not fatal.
# Another apt (a parallel build, unattended-upgrades) may hold dpkg's lock:
# wait for it rather than fail.
lock="-o DPkg::Lock::Timeout=900"
# shellcheck disable=SC2086
apt-get $lock update -q >/dev/null || echo "install-deps: apt-get update reported errors, continuing" >&2
# shellcheck disable=SC2086
apt-get $lock install -y -q --no-install-recommends $missing >/dev/null
