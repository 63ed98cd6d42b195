# Shared by the host integration tests (sourced). Each test runs as root on
# this machine's kernel, from the top of the tree, with BUILD set.
set -eu
BUILD=${BUILD:-build}
PTCOPY=${PTCOPY:-$BUILD/ptcopy}
PTCOPY_WRAP=		# a command (and its words) start_ptcopy runs ptcopy under
FORKLOAD=$BUILD/forkload
WORK=$(mktemp -d /tmp/ptcopy-test.XXXXXX)
# One host test at a time on this machine: they count the programs loaded
# on the whole kernel and the forks of every forkload, so two checkouts
# testing at once (parallel work trees, a CI run beside a developer's) would
# see each other. The lock is dropped when the test's shell exits.
exec 9> /tmp/ptcopy-host-tests.lock
flock 9
PTCOPY_PID=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "skip: $*"
	exit 77
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (BPF), running as uid $(id -u)"
}

# Our programs still loaded: every ptcopy program's name starts with ptcopy_.
loaded_progs() {
	bpftool prog show 2>/dev/null | grep -c ' name ptcopy_' || true
}

# Our links and maps: a link of ours runs a ptcopy_ program; every map of
# ours is named ptcopy_*.
loaded_links() {
	local ids
	ids=$(bpftool prog show -j 2>/dev/null | jq -c '[.[] | select(.name // "" | startswith("ptcopy_")) | .id]')
	bpftool link show -j 2>/dev/null | jq --argjson ids "$ids" '[.[] | select(.prog_id as $p | $ids | index($p))] | length'
}
loaded_maps() {
	bpftool map show -j 2>/dev/null | jq '[.[] | select(.name // "" | startswith("ptcopy_"))] | length'
}

# no_progs_left WHEN: no program, link or map of ours stays in the kernel.
# Detached programs are freed after an RCU grace period (tp_btf ones after
# an RCU-tasks one), maps after the programs that hold them: give the
# kernel up to 5 s before calling them leaked.
no_progs_left() {
	local i
	for i in $(seq 1 100); do
		[ "$(loaded_progs)" -eq 0 ] && [ "$(loaded_links)" -eq 0 ] &&
			[ "$(loaded_maps)" -eq 0 ] && return 0
		sleep 0.05
	done
	fail "still in the kernel $1: programs: $(bpftool prog show | grep ' name ptcopy_' | tr '\n' ' ')" \
		"$(loaded_links) links; maps: $(bpftool map show | grep ' name ptcopy_' | tr '\n' ' ')"
}

# check_memlock PID WHO: PID, started with RLIMIT_MEMLOCK 0, loaded its
# programs. Since Linux 5.11 BPF memory is charged to the memory cgroup
# instead, and libbpf, which probes for that, leaves the limit at 0; on
# older kernels it raises it to unlimited (root may) before loading.
check_memlock() {
	local release want got
	release=$(uname -r)
	want=0
	[ "$(printf '%s\n5.11\n' "${release%%-*}" | sort -V | head -n 1)" = 5.11 ] || want=unlimited
	got=$(awk '/^Max locked memory/ { print $4 }' "/proc/$1/limits")
	[ "$got" = "$want" ] || fail "$2: RLIMIT_MEMLOCK is '$got' once loaded, want $want on Linux $release"
	echo "$2: RLIMIT_MEMLOCK $got once loaded (Linux $release)"
}

cleanup() {
	if [ -n "$PTCOPY_PID" ] && kill -0 "$PTCOPY_PID" 2>/dev/null; then
		kill -KILL "$PTCOPY_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# start_ptcopy NAME ARGS...: run ptcopy in the background, its stdout in
# $WORK/NAME.out and stderr in $WORK/NAME.err, and wait until it is attached.
start_ptcopy() {
	local name=$1 i
	shift
	$PTCOPY_WRAP "$PTCOPY" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
	PTCOPY_PID=$!
	for i in $(seq 1 200); do
		grep -q "Tracing fork page-table copies" "$WORK/$name.out" "$WORK/$name.err" 2>/dev/null && return 0
		kill -0 "$PTCOPY_PID" 2>/dev/null || fail "ptcopy $* exited early: $(cat "$WORK/$name.err")"
		sleep 0.05
	done
	fail "ptcopy $* did not attach within 10 s"
}

# stop_ptcopy [SIGNAL]: stop it and check it exited 0 and left nothing loaded.
stop_ptcopy() {
	local sig=${1:-TERM} rc=0
	kill "-$sig" "$PTCOPY_PID"
	wait "$PTCOPY_PID" || rc=$?
	PTCOPY_PID=
	[ "$rc" -eq 0 ] || fail "ptcopy exited $rc after SIG$sig"
	no_progs_left "after SIG$sig"
}

# expect CODE TEXT CMD...: CMD exits CODE with exactly one stderr line
# containing TEXT (a fixed string), and nothing of ours is left in the kernel.
expect() {
	local code=$1 text=$2 rc=0
	shift 2
	"$@" > "$WORK/out" 2> "$WORK/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "$*: exit $rc, expected $code (stderr: $(cat "$WORK/err"))"
	[ "$(wc -l < "$WORK/err")" -eq 1 ] || fail "$*: stderr is not one line: $(cat "$WORK/err")"
	grep -qF -- "$text" "$WORK/err" || fail "$*: stderr '$(cat "$WORK/err")' lacks '$text'"
	no_progs_left "after: $*"
	echo "ok: $* -> $rc: $(cat "$WORK/err")"
}

# plain_then_sanitized VAR NAME FN: FN with VAR set to the plain build's
# NAME, then again with the ASan+UBSan build's (tests whose faults are made
# to happen run both here, where the sanitizers see them).
plain_then_sanitized() {
	local var=$1 name=$2 fn=$3 san=${SAN_BUILD:-build/san}

	printf -v "$var" %s "$(realpath "$BUILD/$name")"
	"$fn"
	[ -x "$san/$name" ] || fail "$san/$name missing: run make OUTPUT=$san SANITIZE=1"
	echo "--- the same with the ASan+UBSan build"
	printf -v "$var" %s "$(realpath "$san/$name")"
	"$fn"
}
