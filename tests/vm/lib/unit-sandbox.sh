#!/bin/sh
# usage: unit-sandbox.sh UNIT COMMAND [ARG...]
#
# Runs COMMAND as root in a mount namespace shaped, in what ptcopy reads,
# the way systemd shapes a service's from its unit file UNIT (systemd's
# src/core/namespace.c), so that the host and VM tests can hold ptcopy to
# what the shipped unit (scripts/systemd/ptcopy_exporter.service) lets it
# see without a systemd to start it:
#   ProtectKernelTunables=yes  /proc/kallsyms and /proc/kcore inaccessible;
#                              /sys with everything mounted below it
#                              (debugfs, tracefs, bpffs), /proc/sys and the
#                              other tunables of /proc read-only
#   ReadOnlyPaths=             read-only, with the mounts below them
#   InaccessiblePaths=         covered by an empty node of mode 000
# A "-" before a path (ignored if missing) is honoured. Not emulated: the
# capability bounding set (root here keeps CAP_DAC_OVERRIDE, so an
# inaccessible file reads empty rather than failing to open: ptcopy
# treats both as hidden), ProtectSystem=, PrivateTmp=, the system call
# filter. Works with busybox (the VM guests) and util-linux.
set -eu

if [ "${UNIT_SANDBOX_IN:-}" != 1 ]; then
	[ $# -ge 2 ] || { echo "usage: $0 UNIT COMMAND [ARG...]" >&2; exit 2; }
	[ -r "$1" ] || { echo "unit-sandbox: cannot read $1" >&2; exit 2; }
	UNIT_SANDBOX_IN=1 exec unshare -m sh "$0" "$@"
fi
unset UNIT_SANDBOX_IN
unit=$1
shift
# nothing done here may leak into the namespace we came from
mount --make-rprivate /

# values KEY: the unit's KEY= values, one per line (every KEY= line)
values() {
	sed -n "s/^[[:space:]]*$1=//p" "$unit" | tr ' \t' '\n\n' | sed '/^$/d'
}

ro= inaccessible=
if [ "$(values ProtectKernelTunables | tail -n 1)" = yes ]; then
	ro="/sys -/proc/acpi -/proc/apm -/proc/asound -/proc/bus -/proc/fs -/proc/irq
-/proc/latency_stats -/proc/mtrr -/proc/scsi /proc/sys -/proc/sysrq-trigger -/proc/timer_stats"
	inaccessible="-/proc/kallsyms -/proc/kcore"
fi
ro="$ro
$(values ReadOnlyPaths)"
inaccessible="$inaccessible
$(values InaccessiblePaths)"

empty=$(mktemp -d)
: > "$empty/file"
mkdir "$empty/dir"
chmod 000 "$empty/file" "$empty/dir"

# present PATH: PATH without its "-", or nothing if it is optional and missing
present() {
	case $1 in
	-*)
		[ -e "${1#-}" ] && echo "${1#-}"
		return 0
		;;
	esac
	[ -e "$1" ] || { echo "unit-sandbox: $1 (from $unit) does not exist" >&2; exit 1; }
	echo "$1"
}

for p in $inaccessible; do
	p=$(present "$p") || exit 1
	[ -n "$p" ] || continue
	if [ -d "$p" ]; then
		mount --bind "$empty/dir" "$p"
	else
		mount --bind "$empty/file" "$p"
	fi
done
for p in $ro; do
	p=$(present "$p") || exit 1
	[ -n "$p" ] || continue
	mount --rbind "$p" "$p"
	# the mount at p and every one below it, as systemd does
	awk -v p="$p" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts |
		while read -r m; do
			mount -o remount,bind,ro "$m"
		done
done
exec "$@"
