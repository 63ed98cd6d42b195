# Sourced by this suite's guest scripts: tracefs kprobes at the
# sites `ptcopy --probe -v` found, no BPF involved, so that the kernel's own
# trace says whether they are where passes take and drop the PTE locks.
. $TESTS/lib/guest.sh
K=$T/kprobe_events

# site NAME: "function+0xoff" from probe.txt
site() {
	awk -v s="$1" '$1 == "inline" && $2 == "site" && $3 == s { print $4 }' probe.txt
}

# inline_probes_on: 0 if the sites were found and the kprobes registered
inline_probes_on() {
	ptcopy --probe -v > probe.txt 2>&1
	grep '^inline sites' probe.txt > inline.txt
	grep -q '^inline site ' probe.txt || return 1
	f=$(site pass_start)
	f=${f%%+*}
	# the function's second argument is the parent's VMA: vm_start, vm_end first
	echo "p:ptcopy_inline/call $f vm_start=+0(%si):x64 vm_end=+8(%si):x64" >> $K &&
	echo "r:ptcopy_inline/ret $f ret=\$retval:s32" >> $K &&
	echo "p:ptcopy_inline/pass $(site pass_start)" >> $K &&
	echo "p:ptcopy_inline/child_locked $(site child_locked)" >> $K &&
	echo "p:ptcopy_inline/locked $(site parent_locked)" >> $K &&
	echo "p:ptcopy_inline/parent_unlock $(site parent_unlock)" >> $K &&
	echo "p:ptcopy_inline/unlock $(site child_unlock)" >> $K &&
	echo "p:ptcopy_inline/resched $(site resched_return) ret=%ax:s32" >> $K &&
	echo "p:ptcopy_inline/retry $(site retry_jump) flags=%flags:x64" >> $K
}

inline_probes_off() {
	echo 0 > $T/events/ptcopy_inline/enable 2>/dev/null
	echo > $K
}
