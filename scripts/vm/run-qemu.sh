#!/usr/bin/env bash
# Boot one test VM and bring the suites' output back.
#
# usage: scripts/vm/run-qemu.sh [-a x86|arm64] BZIMAGE INITRAMFS OUTDIR KERNEL VARIANT SUITE...
#
# qemu runs with TCG (this machine's CPU has no virtualization extensions),
# two vCPUs on one host thread: with multi-threaded TCG (a host thread per
# vCPU) the guest died of "Oops: int3" when BPF programs were attached while
# the other vCPU ran the code being patched. The guest console goes to
# OUTDIR/console.log, the second serial port (the guest's /dev/ttyS1) to
# OUTDIR/serial1.log, from which each suite's archive is unpacked into
# OUTDIR/<suite>/. The guest reboots when done; -no-reboot turns that, and
# a panic (panic=-1), into qemu's exit.
#
# -a arm64: qemu-system-aarch64's virt board, -cpu max with QEMU's own
# pointer authentication algorithm (pauth-impdef: the architected QARMA5
# costs TCG much more per signed return). Its one PL011 UART is the
# console (ttyAMA0); the suites' port is a PCI 16550 (pci-serial, the
# guest's /dev/ttyS0: Debian's arm64 kernel has SERIAL_8250_PCI built in,
# and virtio-console is a module).
#
# Exit status: 0 if the guest finished all suites, 1 if it did not (panic,
# crash, or VMTEST_TIMEOUT seconds, default 1200, passed). VMTEST_APPEND:
# more kernel command line (e.g. preempt=full).
#
# VMTEST_ICOUNT: qemu's -icount options (e.g. shift=0,sleep=off), and one
# vCPU. The guest's clock then counts emulated instructions (2^shift ns
# each), not host time: a timing depends on the code run, not on what
# else this shared host runs, and repeats to the nanosecond. One vCPU,
# because all vCPUs advance that one clock (a task's time would include
# what the other vCPU ran meanwhile), and because 6.1's bring-up of a
# second CPU never ends under -icount (6.12's does).
set -eu

arch=x86
if [ "${1:-}" = -a ]; then
	arch=${2:-}
	shift 2 || true
fi
[ $# -ge 6 ] || { echo "usage: $0 [-a x86|arm64] BZIMAGE INITRAMFS OUTDIR KERNEL VARIANT SUITE..." >&2; exit 2; }
bzimage=$1 initramfs=$2 outdir=$3 kernel=$4 variant=$5
shift 5
suites=$*
timeout=${VMTEST_TIMEOUT:-1200}

rm -rf "$outdir"
mkdir -p "$outdir"
# norandmaps: the same program lays out its memory the same way in every
# boot, so that runs on different kernels of one version make the same
# copy_pte_range() calls (a mapping that straddles a 2 MiB boundary by
# chance of ASLR costs a call more) and can be compared call for call.
case $arch in
x86)
	qemu=qemu-system-x86_64 console=ttyS0 port=ttyS1
	board="-machine pc"
	ports="-serial file:$outdir/console.log -serial file:$outdir/serial1.log"
	;;
arm64)
	qemu=qemu-system-aarch64 console=ttyAMA0 port=ttyS0
	board="-machine virt -cpu max,pauth-impdef=on"
	ports="-serial file:$outdir/console.log -chardev file,id=suites,path=$outdir/serial1.log
		-device pci-serial,chardev=suites"
	;;
*) echo "run-qemu: unknown architecture '$arch' (x86, arm64)" >&2; exit 2 ;;
esac
cmdline="console=$console panic=-1 oops=panic loglevel=5 norandmaps"
cmdline="$cmdline ptcopy.suites=$(echo $suites | tr ' ' ',') ptcopy.port=$port"
cmdline="$cmdline ptcopy.kernel=$kernel ptcopy.variant=$variant${VMTEST_APPEND:+ $VMTEST_APPEND}"

smp="-smp 2"
if [ -n "${VMTEST_ICOUNT:-}" ]; then
	smp="-smp 1 -icount $VMTEST_ICOUNT"
	cmdline="$cmdline ptcopy.icount=$VMTEST_ICOUNT"
fi

status=0
# shellcheck disable=SC2086
timeout -k 10 "$timeout" $qemu \
	$board -accel tcg,thread=single $smp -m 2048 \
	-nodefaults -display none -no-reboot \
	-kernel "$bzimage" -initrd "$initramfs" -append "$cmdline" \
	$ports \
	< /dev/null > "$outdir/qemu.log" 2>&1 || status=$?
case $status in
0) ;;
124|137) echo "timed out after ${timeout} s" > "$outdir/harness-error" ;;
*) echo "qemu exited with status $status: $(tail -n 3 "$outdir/qemu.log")" > "$outdir/harness-error" ;;
esac

# Unpack every complete suite archive; a partial one (the guest died while
# sending it) is left out, and its suite then fails for want of output.
tr -d '\r' < "$outdir/serial1.log" | awk -v dir="$outdir" '
	/^=====PTCOPY-BEGIN .*=====$/ {
		suite = $0
		sub(/^=====PTCOPY-BEGIN /, "", suite)
		sub(/=====$/, "", suite)
		file = dir "/" suite ".tar.b64"
		next
	}
	/^=====PTCOPY-END .*=====$/ {
		close(file)
		print suite
		file = ""
		next
	}
	file != "" { print > file }
' > "$outdir/.suites-received"
for s in $(cat "$outdir/.suites-received"); do
	if base64 -d < "$outdir/$s.tar.b64" | tar -x -C "$outdir"; then
		rm -f "$outdir/$s.tar.b64"
	else
		echo "suite $s: its archive from the guest is corrupt" >> "$outdir/harness-error"
	fi
done
rm -f "$outdir"/*.tar.b64

if grep -q '^=====PTCOPY-DONE=====' "$outdir/serial1.log" && [ $status -eq 0 ]; then
	exit 0
fi
if grep -q 'Kernel panic' "$outdir/console.log"; then
	echo "guest kernel panic: $(grep -m1 'Kernel panic' "$outdir/console.log")" >> "$outdir/harness-error"
fi
[ -f "$outdir/harness-error" ] || echo "guest did not finish" > "$outdir/harness-error"
exit 1
