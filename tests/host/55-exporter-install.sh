#!/usr/bin/env bash
# `make install` with PREFIX/DESTDIR/UNITDIR puts both binaries, both man
# pages and the unit where asked, the unit's ExecStart at the installed
# binary; systemd-analyze accepts the unit; the man page renders without
# warnings. Then the installed exporter runs as the unit would have it
# (setpriv: the unit's CapabilityBoundingSet and no_new_privs), counts
# forkload's 3 forks exactly and ends with no capability left.
# host-san: no (tests make install, not the binaries)
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl setpriv systemd-analyze man

install_to() {
	make -s --no-print-directory OUTPUT="$BUILD" "$@" install > "$WORK/install.log" 2>&1 ||
		fail "make install $*: $(cat "$WORK/install.log")"
}

R=$WORK/destdir
install_to DESTDIR="$R" PREFIX=/usr
for f in usr/sbin/ptcopy usr/sbin/ptcopy_exporter; do
	[ -x "$R/$f" ] || fail "make install did not install $f"
	cmp -s "$R/$f" "$BUILD/${f##*/}" || fail "$f differs from $BUILD/${f##*/}"
done
for f in usr/share/man/man8/ptcopy.8 usr/share/man/man8/ptcopy_exporter.8 usr/share/ptcopy/ptcopy.schema.json lib/systemd/system/ptcopy_exporter.service; do
	[ -f "$R/$f" ] || fail "make install did not install $f"
	[ "$(stat -c %a "$R/$f")" = 644 ] || fail "$f has mode $(stat -c %a "$R/$f"), want 644"
done
grep -qx 'ExecStart=/usr/sbin/ptcopy_exporter $ARGS' "$R/lib/systemd/system/ptcopy_exporter.service" ||
	fail "ExecStart with PREFIX=/usr: $(grep ExecStart= "$R/lib/systemd/system/ptcopy_exporter.service")"
w=$(MANWIDTH=80 man --warnings -l "$R/usr/share/man/man8/ptcopy_exporter.8" 2>&1 > /dev/null)
[ -z "$w" ] || fail "ptcopy_exporter.8: $w"
make -s --no-print-directory OUTPUT="$BUILD" DESTDIR="$R" PREFIX=/usr uninstall > /dev/null
[ -z "$(find "$R" -type f)" ] || fail "make uninstall left $(find "$R" -type f | tr '\n' ' ')"

# A real prefix, so that systemd-analyze finds ExecStart's binary.
P=$WORK/prefix
install_to PREFIX="$P" UNITDIR="$P/units"
unit=$P/units/ptcopy_exporter.service
grep -qx "ExecStart=$P/sbin/ptcopy_exporter \$ARGS" "$unit" || fail "ExecStart with PREFIX=$P: $(grep ExecStart= "$unit")"
systemd-analyze verify --man=no "$unit" > "$WORK/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
[ ! -s "$WORK/verify.log" ] || fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
for key in NoNewPrivileges=yes ProtectSystem=strict; do
	grep -qx "$key" "$unit" || fail "the unit lacks $key"
done

# The unit's capability bounding set is enough to load, attach and count.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || fail "the unit sets no CapabilityBoundingSet"
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done
EXPORTER=$P/sbin/ptcopy_exporter
EXPORTER_WRAP="setpriv --bounding-set=$bset --inh-caps=-all --no-new-privs"
start_exporter unit
grep -q "^CapBnd:" "/proc/$EXPORTER_PID/status" || fail "no exporter process"
"$FORKLOAD" --size 32 --forks 3 -q > /dev/null
scrape "$WORK/unit.prom"
n=$(metric "$WORK/unit.prom" 'ptcopy_forks_total{comm="forkload"}')
[ "$n" -eq 3 ] || fail "under the unit's capabilities ($caps): ptcopy_forks_total{comm=\"forkload\"} = $n, want 3"
for f in CapPrm CapEff CapAmb; do
	v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$EXPORTER_PID/status")
	[ "$v" = 0000000000000000 ] || fail "$f is $v, want 0"
done
stop_exporter TERM
echo "ok: installed to DESTDIR and PREFIX, unit verified, runs with CapabilityBoundingSet=$caps"
