#!/usr/bin/env bash
# Install the Debian packages ptcopy needs, and only those that are missing, so
# that `make run` and `make test` work on a fresh Debian 12 machine.
#
# usage: scripts/install-deps.sh [build|test|vm|all]...   (default: build)
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

want=
for group in "${@:-build}"; do
	case $group in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test" ;;
	vm) want="$want $pkgs_build $pkgs_vm" ;;
	all) want="$want $pkgs_build $pkgs_test $pkgs_vm" ;;
	*) echo "install-deps: unknown group '$group' (build, test, vm, all)" >&2; exit 2 ;;
	esac
done

missing=
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing; run as root or install them with apt-get" >&2
	exit 1
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
