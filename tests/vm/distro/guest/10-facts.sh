# What Debian's distribution kernel is, as ptcopy's tiers depend on it:
# the guest's view (kallsyms, BTF, tracefs, kprobes, debugfs, modules);
# check.sh asserts it together with the package's config. Loads zram and
# what it needs from the package's modules (the harness put them, and
# their load-order, in /lib/modules/<release>/), for 20-tiers.sh.
. $TESTS/lib/guest.sh
rel=$(uname -r)
{
	echo "release=$rel"
	echo "machine=$(uname -m)"
	# A function and its compiler clones (copy_pte_range.isra.0); the PTE
	# lock calls, which the inline tier probes (arm64 inlines them)
	for f in copy_pte_range copy_pmd_range copy_page_range copy_huge_pmd \
		add_swap_count_continuation __cond_resched __SCK__cond_resched \
		_raw_spin_lock _raw_spin_unlock; do
		echo "kallsyms_$f=$(awk -v f=$f '$3 == f || index($3, f ".") == 1' /proc/kallsyms | wc -l)"
	done
	for f in copy_pte_range copy_page_range add_swap_count_continuation; do
		echo "ftrace_$f=$(grep -c "^$f\([. ]\|$\)" $T/available_filter_functions)"
	done
	echo "preempt_mode=$(dmesg | sed -n 's/.*Dynamic Preempt: \([a-z]*\).*/\1/p' | head -n 1)"
	# Function error injection: bpf_override_return and fail_function need it
	[ -e /sys/kernel/debug/fail_function ] && echo fail_function=present || echo fail_function=absent
	[ -e /sys/kernel/debug/error_injection ] && echo error_injection=present || echo error_injection=absent
	[ -e /sys/block/zram0 ] && echo zram_before_insmod=present || echo zram_before_insmod=absent
} > facts.txt
# BTF of the running kernel, for the host's bpftool
gzip -c /sys/kernel/btf/vmlinux > vmlinux.btf.gz

# kprobes work: one on copy_page_range fires for a fork
echo 'p:distro_facts/copy copy_page_range' >> $T/kprobe_events || exit 1
echo 1 > $T/events/distro_facts/copy/enable
ptfork --size 2 --forks 1 > kprobe-workload.out
echo 0 > $T/events/distro_facts/copy/enable
awk '$1 == "copy" { print "kprobe_hits=" $2 }' $T/kprobe_profile >> facts.txt
echo '-:distro_facts/copy' >> $T/kprobe_events

# zram and its dependencies, in modules.dep's order
load_order=/lib/modules/$rel/load-order
[ -f $load_order ] || { echo "no $load_order in the initramfs"; exit 1; }
for m in $(cat $load_order); do
	insmod $m || { echo "insmod $m failed"; exit 1; }
done
cut -d' ' -f1 /proc/modules > modules.txt
[ -e /sys/block/zram0 ] && echo zram_after_insmod=present >> facts.txt || echo zram_after_insmod=absent >> facts.txt
cat facts.txt
