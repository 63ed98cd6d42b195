// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier's recogniser on the live code of real kernels
 * (tests/fixtures/inline/NAME.txt, made by regen.sh from a boot of each kernel
 * under qemu). The expected offsets were checked by hand against objdump of
 * the same kernels' extracted vmlinux with the boot's kallsyms, and against
 * mm/memory.c; ENVIRONMENT.md's tracefs kprobes at 6.1.0-57's +0x7af and
 * +0xa9a fired once per pass. Negative cases patch those bytes the way a
 * different build would have them, and must be refused with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <sys/stat.h>
#include "inline_orig.h"
#include "inline_sites.h"
#include "inline_text.h"

struct fixture {
	char func[64];
	__u64 addr;
	__u8 *code;
	size_t len;
	struct ksyms *syms;
};

static const char *fixture_dir(void)
{
	const char *d = getenv("PTCOPY_INLINE_FIXTURES");

	return d ? d : "tests/fixtures/inline";
}

/* func NAME ADDR SIZE / sym ADDR NAME / code HEX...; '#' lines are notes. */
static void load(struct fixture *fx, const char *name)
{
	char path[512], line[512], *symtext = NULL;
	size_t symlen = 0, size = 0;
	unsigned long long addr;
	FILE *f, *st;

	memset(fx, 0, sizeof(*fx));
	snprintf(path, sizeof(path), "%s/%s.txt", fixture_dir(), name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open (run from the top of the tree)", path);
	st = open_memstream(&symtext, &symlen);
	assert_non_null(st);
	while (fgets(line, sizeof(line), f)) {
		char sym[256];
		const char *p;

		if (sscanf(line, "func %63s %llx %zu", fx->func, &addr, &size) == 3) {
			fx->addr = addr;
			fx->code = malloc(size);
			assert_non_null(fx->code);
		} else if (sscanf(line, "sym %llx %255s", &addr, sym) == 2) {
			fprintf(st, "%llx T %s\n", addr, sym);
		} else if (!strncmp(line, "code ", 5)) {
			for (p = line + 5; p[0] && p[1] && p[0] != '\n'; p += 2) {
				unsigned int b;

				assert_non_null(fx->code);
				assert_true(fx->len < size);
				assert_int_equal(sscanf(p, "%2x", &b), 1);
				fx->code[fx->len++] = b;
			}
		}
	}
	fclose(f);
	fclose(st);
	assert_int_equal(fx->len, size);
	st = fmemopen(symtext, symlen, "r");
	assert_non_null(st);
	fx->syms = ksyms_read(st);
	assert_non_null(fx->syms);
	fclose(st);
	free(symtext);
}

static void unload(struct fixture *fx)
{
	free(fx->code);
	ksyms_free(fx->syms);
}

static int recognise(struct fixture *fx, struct inline_sites *s, char *why)
{
	return inline_recognise(fx->code, fx->len, fx->addr, ksyms_at, fx->syms, s, why,
				INLINE_WHY_LEN);
}

/* Offsets of every site; -1: not found. */
struct expect {
	int off[INLINE_SITE_COUNT];
};

/*
 * Where each kernel's pass finds addr and end at "again:" (inline_range.c),
 * read by hand in objdump of the fixture: the cmp before "jne again" and
 * the loads into its registers. The Debian kernels keep both on the stack
 * (-fomit-frame-pointer), the lab builds (frame pointers) in callee-saved
 * registers and rbp slots; the symbol builds push a stack argument for a
 * call inside the loop, which the stack pointer's offset follows.
 */
static const struct {
	const char *name, *addr, *end;
} ranges[] = {
	{ "debian-6.1.0-57-amd64", "(%rsp)", "0x58(%rsp)" },	/* mov (%rsp),%rcx; cmp %rcx,0x58(%rsp) */
	{ "debian-6.1.0-57-cloud-amd64", "(%rsp)", "0x58(%rsp)" },
	{ "debian-6.12.117-amd64", "(%rsp)", "0x10(%rsp)" },	/* mov (%rsp),%rcx; cmp %rcx,0x10(%rsp) */
	{ "debian-6.12.117-cloud-amd64", "(%rsp)", "0x10(%rsp)" },
	{ "debian-6.12.117-rt-amd64", "%r14", "0x8(%rsp)" },	/* cmp %r14,0x8(%rsp) */
	{ "lab-6.1-patched", "%r14", "-0x68(%rbp)" },
	{ "lab-6.1-patched-traced", "%r14", "-0x68(%rbp)" },
	{ "lab-6.1-unpatched", "%r12", "-0x70(%rbp)" },
	{ "lab-6.1-symbol", "%r13", "%r14" },			/* cmp %r14,%r13 */
	{ "lab-6.12-patched", "-0x60(%rbp)", "-0x70(%rbp)" },	/* mov -0x60(%rbp),%rdi; cmp %rdi,-0x70(%rbp) */
	{ "lab-6.12-patched-traced", "-0x60(%rbp)", "-0x70(%rbp)" },
	{ "lab-6.12-unpatched", "%r14", "-0x88(%rbp)" },
	{ "lab-6.12-symbol", "%rbx", "%r13" },			/* cmp %r13,%rbx */
};

static void check_range(const char *name, const struct inline_sites *s)
{
	char addr[32], end[32];
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (!strcmp(ranges[i].name, name))
			break;
	if (i == sizeof(ranges) / sizeof(ranges[0]))
		fail_msg("%s: no expected range", name);
	if (s->range_addr.reg == PTCOPY_REG_NONE)
		fail_msg("%s: range not found: %s", name, s->range_why);
	inline_loc_format(addr, sizeof(addr), &s->range_addr);
	inline_loc_format(end, sizeof(end), &s->range_end);
	assert_string_equal(addr, ranges[i].addr);
	assert_string_equal(end, ranges[i].end);
}

static void check_sites(const char *name, const struct expect *e, bool map_lock)
{
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;
	int k;

	load(&fx, name);
	if (recognise(&fx, &s, why))
		fail_msg("%s refused: %s", name, why);
	for (k = 0; k < INLINE_SITE_COUNT; k++) {
		if (e->off[k] < 0) {
			assert_false(s.site[k].found);
			continue;
		}
		if (!s.site[k].found || s.site[k].off != (__u32)e->off[k])
			fail_msg("%s: %s at +0x%x, expected +0x%x", name, inline_site_name(k),
				 s.site[k].off, e->off[k]);
	}
	check_range(name, &s);
	assert_int_equal(s.child_lock_returns_pte, map_lock);
	assert_false(s.resched_patched_out);
	assert_false(s.sleeping_locks);
	unload(&fx);
}

/* The error for name's code after edit() changed it. */
static void refused(const char *name, void (*edit)(struct fixture *), const char *reason)
{
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	load(&fx, name);
	if (edit)
		edit(&fx);
	assert_int_equal(recognise(&fx, &s, why), -1);
	if (!strstr(why, reason))
		fail_msg("%s: refused with \"%s\", expected \"%s\"", name, why, reason);
	for (int k = 0; k < INLINE_SITE_COUNT; k++)
		assert_false(s.site[k].found);
	unload(&fx);
}

/*
 * Debian 6.1.0-57 (and its cloud flavour): copy_pte_range inlined. The
 * probed sites are where x86 optimizes a kprobe (a jump, no int3): the
 * hold ends after the parent's unlock call (+0xa9f; the instruction before
 * the child's, +0xae3, is 3 bytes before a call), cond_resched()'s return
 * is read where each of its three paths first reaches such an instruction:
 * -EIO's continuation block (+0xb84), -EAGAIN's prealloc block (+0xbfd)
 * and the join before "addr != end" (+0xb02), which also marks the pass's
 * end; the loop's exit after the jne is +0xb11.
 */
static const struct expect deb61 = { .off = {
	[INLINE_PASS_START] = 0x63d,		/* "again:" */
	[INLINE_CHILD_LOCKED] = 0x70b,		/* after call _raw_spin_lock (dst_ptl) */
	[INLINE_PARENT_LOCKED] = 0x7af,		/* after call _raw_spin_lock (src_ptl) */
	[INLINE_PARENT_UNLOCK] = 0xa9a,		/* call _raw_spin_unlock (src_ptl) */
	[INLINE_CHILD_UNLOCK] = 0xae6,		/* call _raw_spin_unlock (dst_ptl) */
	[INLINE_RESCHED_CALL] = 0xaeb,		/* call __cond_resched (static call) */
	[INLINE_RESCHED_RET] = 0xb02,
	[INLINE_RETRY_JUMP] = 0xb0b,		/* jne again */
	[INLINE_SWAP_CONT_CALL] = 0xb8e,
	[INLINE_SWAP_CONT_RET] = 0xb93,
	[INLINE_PREALLOC_CALL] = 0xc10,		/* vma_alloc_folio */
	[INLINE_PREALLOC_RET] = 0xc15,
	[INLINE_RESCHED_BRANCH] = 0xbfd,
	[INLINE_RESCHED_BRANCH + 1] = 0xb84,
	[INLINE_RESCHED_BRANCH + 2] = -1,
	[INLINE_RESCHED_BRANCH + 3] = -1,
	[INLINE_HOLD_END] = 0xa9f,
	[INLINE_JOIN] = 0xb02,
	[INLINE_LOOP_EXIT] = 0xb11,
} };

/*
 * Which sites a kprobe would be optimized at, as read in
 * /sys/kernel/debug/kprobes/list on Debian 6.1.0-57 under qemu before
 * this rule (pass_start, parent_locked, prealloc_return [OPTIMIZED];
 * child_unlock, resched_return's old +0xaf0, retry_jump, swap_cont_return
 * not) and as the VM suite tests/vm/inline checks for every probed site.
 */
static void check_jumps(const char *name, const enum inline_site_kind *traps, int ntraps)
{
	static const enum inline_site_kind jumps[] = {
		INLINE_PASS_START, INLINE_PARENT_LOCKED, INLINE_HOLD_END, INLINE_RESCHED_RET,
		INLINE_RESCHED_BRANCH, INLINE_RESCHED_BRANCH + 1, INLINE_JOIN, INLINE_LOOP_EXIT,
		INLINE_PREALLOC_RET,
	};
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;
	size_t i;

	load(&fx, name);
	if (recognise(&fx, &s, why))
		fail_msg("%s refused: %s", name, why);
	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++)
		if (!s.site[jumps[i]].optimizable)
			fail_msg("%s: %s at +0x%x is no optimizable site", name,
				 inline_site_name(jumps[i]), s.site[jumps[i]].off);
	for (i = 0; i < (size_t)ntraps; i++)
		if (s.site[traps[i]].optimizable)
			fail_msg("%s: %s at +0x%x (%s) taken for optimizable", name,
				 inline_site_name(traps[i]), s.site[traps[i]].off, s.site[traps[i]].insn);
	unload(&fx);
}

static void test_debian_optimizable(void **state)
{
	static const enum inline_site_kind traps[] = {
		INLINE_CHILD_UNLOCK, INLINE_RETRY_JUMP, INLINE_SWAP_CONT_RET, INLINE_RESCHED_CALL,
	};

	(void)state;
	check_jumps("debian-6.1.0-57-amd64", traps, 4);
	check_jumps("debian-6.1.0-57-cloud-amd64", traps, 4);
	check_jumps("debian-6.12.117-amd64", traps, 4);
	check_jumps("debian-6.12.117-cloud-amd64", traps, 4);
}

/*
 * A jump landing inside the 5 bytes from the join (+0xb02) would keep the
 * kernel from optimizing a kprobe there: the join moves to the next
 * instruction whose own 5 bytes nothing jumps into (+0xb06, the cmp before
 * the jne), which is then cond_resched()'s first site on that path too.
 */
static void test_jump_into_window(void **state)
{
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;
	__s32 rel = 0xb03 - (0xba4 + 5);

	(void)state;
	load(&fx, "debian-6.1.0-57-amd64");
	/* +0xba4: jmp +0xb02 (the continuation's way back), now to +0xb03 */
	memcpy(fx.code + 0xba4 + 1, &rel, sizeof(rel));
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	assert_int_equal(s.site[INLINE_JOIN].off, 0xb06);
	assert_true(s.site[INLINE_JOIN].optimizable);
	assert_int_equal(s.site[INLINE_RESCHED_RET].off, 0xb06);
	assert_int_equal(s.site[INLINE_LOOP_EXIT].off, 0xb11);
	assert_int_equal(s.site[INLINE_RESCHED_BRANCH].off, 0xbfd);
	unload(&fx);
}

/*
 * Debian 6.12: cond_resched()'s outcome is read at the join, where the
 * straight path from its return gets to through cmp/je pairs only. Were
 * one of them to write rax (here "cmpl $0xffffff7b, %ebx" at +0x9e2
 * becomes "movl $0xffffff7b, %eax; nop"), rax at the join would not be
 * the return: the read stays at the first optimizable instruction of that
 * path, before the write, a probe of its own.
 */
static void test_resched_at_join(void **state)
{
	static const __u8 mov_eax[] = { 0xb8, 0x7b, 0xff, 0xff, 0xff, 0x90 };
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	(void)state;
	load(&fx, "debian-6.12.117-amd64");
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	assert_int_equal(s.site[INLINE_RESCHED_RET].off, s.site[INLINE_JOIN].off);
	memcpy(fx.code + 0x9e2, mov_eax, sizeof(mov_eax));
	if (recognise(&fx, &s, why))
		fail_msg("refused after the edit: %s", why);
	assert_int_equal(s.site[INLINE_RESCHED_RET].off, 0x9e2);
	assert_true(s.site[INLINE_RESCHED_RET].optimizable);
	assert_int_equal(s.site[INLINE_JOIN].off, 0x9f7);
	assert_int_equal(s.site[INLINE_RESCHED_BRANCH].off, 0x1055);
	assert_int_equal(s.site[INLINE_RESCHED_BRANCH + 1].off, 0xea4);
	assert_false(s.site[INLINE_RESCHED_BRANCH + 2].found);
	unload(&fx);
}

static void test_debian_6_1(void **state)
{
	(void)state;
	check_sites("debian-6.1.0-57-amd64", &deb61, false);
}

static void test_debian_6_1_cloud(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x66d,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0x747,
		[INLINE_PARENT_LOCKED] = 0x7ef,
		[INLINE_PARENT_UNLOCK] = 0xaea,
		[INLINE_CHILD_UNLOCK] = 0xb36,
		[INLINE_RESCHED_CALL] = 0xb3b,
		[INLINE_RESCHED_RET] = 0xb4e,
		[INLINE_RETRY_JUMP] = 0xb57,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0xbce,
		[INLINE_SWAP_CONT_RET] = 0xbd3,
		[INLINE_PREALLOC_CALL] = 0xc9a,
		[INLINE_PREALLOC_RET] = 0xc9f,
		[INLINE_RESCHED_BRANCH] = 0xc87,
		[INLINE_RESCHED_BRANCH + 1] = 0xbc4,
		[INLINE_RESCHED_BRANCH + 2] = -1,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0xaef,
		[INLINE_JOIN] = 0xb4e,
		[INLINE_LOOP_EXIT] = 0xb5d,
	} };

	(void)state;
	check_sites("debian-6.1.0-57-cloud-amd64", &e, false);
}

/*
 * Debian 6.12.117: the child's lock is __pte_offset_map_lock (it returns
 * the PTE or NULL), the parent's pte_offset_map_nolock + _raw_spin_lock;
 * pte_unmap() is rcu_read_unlock() after each unlock.
 */
static const struct expect deb612 = { .off = {
	[INLINE_PASS_START] = 0x6ec,		/* "again:" */
	[INLINE_CHILD_LOCKED] = 0x72b,
	[INLINE_PARENT_LOCKED] = 0x76d,
	[INLINE_PARENT_UNLOCK] = 0x964,
	[INLINE_CHILD_UNLOCK] = 0x9c1,
	[INLINE_RESCHED_CALL] = 0x9cb,
	[INLINE_RESCHED_RET] = 0x9f7,		/* the join: cmp/je of ret up to it */
	[INLINE_RETRY_JUMP] = 0xa00,		/* jne again */
	[INLINE_SWAP_CONT_CALL] = 0xeae,
	[INLINE_SWAP_CONT_RET] = 0xeb3,
	[INLINE_PREALLOC_CALL] = 0xedc,		/* vma_alloc_folio_noprof */
	[INLINE_PREALLOC_RET] = 0xee1,
	[INLINE_RESCHED_BRANCH] = 0xec9,	/* -EAGAIN: the prealloc */
	[INLINE_RESCHED_BRANCH + 1] = 0x1055,	/* -EBUSY, -EHWPOISON: out */
	[INLINE_RESCHED_BRANCH + 2] = 0xea4,	/* -EIO: the continuation */
	[INLINE_RESCHED_BRANCH + 3] = -1,
	[INLINE_HOLD_END] = 0x9b9,
	[INLINE_JOIN] = 0x9f7,
	[INLINE_LOOP_EXIT] = 0xa06,
} };

static void test_debian_6_12(void **state)
{
	(void)state;
	check_sites("debian-6.12.117-amd64", &deb612, true);
}

static void test_debian_6_12_cloud(void **state)
{
	(void)state;
	/* built from the same code with another config: same layout here */
	check_sites("debian-6.12.117-cloud-amd64", &deb612, true);
}

/* 6.1 PREEMPT_RT: cond_resched() is compiled out, nothing anchors the pass end. */
static void test_debian_6_1_rt_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-rt-amd64", NULL, "no pass end: no cond_resched call");
}

/*
 * 6.12 PREEMPT_RT: PTE locks are rt_spin_lock (sleeping locks), and the
 * cond_resched static call is there, patched to "return 0" (xor %eax,%eax).
 * mmlist_lock's argument is set two instructions before its lock call.
 */
static void test_debian_6_12_rt(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x5e6,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0x623,		/* after __pte_offset_map_lock */
		[INLINE_PARENT_LOCKED] = 0x664,		/* after rt_spin_lock */
		[INLINE_PARENT_UNLOCK] = 0x823,
		[INLINE_CHILD_UNLOCK] = 0x85f,
		[INLINE_RESCHED_CALL] = 0x869,
		[INLINE_RESCHED_RET] = 0x895,		/* the join */
		[INLINE_RETRY_JUMP] = 0x89a,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0xe09,
		[INLINE_SWAP_CONT_RET] = 0xe0e,
		[INLINE_PREALLOC_CALL] = 0xe35,
		[INLINE_PREALLOC_RET] = 0xe3a,
		[INLINE_RESCHED_BRANCH] = 0xe24,
		[INLINE_RESCHED_BRANCH + 1] = 0xfba,
		[INLINE_RESCHED_BRANCH + 2] = 0xdff,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0x857,
		[INLINE_JOIN] = 0x895,
		[INLINE_LOOP_EXIT] = 0x8a0,
	} };
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;
	int k;

	(void)state;
	load(&fx, "debian-6.12.117-rt-amd64");
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	for (k = 0; k < INLINE_SITE_COUNT; k++)
		if (e.off[k] < 0 ? s.site[k].found : s.site[k].off != (__u32)e.off[k])
			fail_msg("%s at +0x%x, expected +0x%x", inline_site_name(k), s.site[k].off,
				 e.off[k]);
	check_range("debian-6.12.117-rt-amd64", &s);
	assert_true(s.child_lock_returns_pte);
	assert_true(s.resched_patched_out);
	assert_true(s.sleeping_locks);
	unload(&fx);
}

/*
 * ptcopy's lab kernels (scripts/kernel/build.sh: tinyconfig + vm.config,
 * PREEMPT_DYNAMIC booted voluntary, no NUMA: the prealloc is
 * __folio_alloc_noprof, __folio_alloc in 6.1). The offsets were checked
 * against objdump of the fixtures' code and, for 6.12 patched, objdump -dr
 * of the same mm/memory.o (copy_page_range at .text+0x8c30).
 *
 * Patched 6.12: a tracepoint's static key after the parent's lock call
 * (+0x6bf), at "again:" (+0x641), after the child's unlock (+0x8ec, before
 * cond_resched) and after cond_resched (+0x8f6): the sites are the joins
 * after them, and the block of the one after cond_resched (+0xbae) is where
 * rax is still its return. Booted, the keys are NOPs; with the copy_pte
 * events enabled (-traced) they are jumps to the blocks, same sites.
 */
static const struct expect lab612_patched = { .off = {
	[INLINE_PASS_START] = 0x646,		/* after the pass_start key at +0x641 */
	[INLINE_CHILD_LOCKED] = 0x682,		/* after __pte_offset_map_lock */
	[INLINE_PARENT_LOCKED] = 0x6c4,		/* after the locked key at +0x6bf */
	[INLINE_PARENT_UNLOCK] = 0x8ae,
	[INLINE_CHILD_UNLOCK] = 0x8e2,		/* then __rcu_read_unlock, the unlocked key */
	[INLINE_RESCHED_CALL] = 0x8f1,
	[INLINE_RESCHED_RET] = 0x92c,		/* the join */
	[INLINE_RETRY_JUMP] = 0x934,		/* jne again (+0x641) */
	[INLINE_SWAP_CONT_CALL] = 0xabc,
	[INLINE_SWAP_CONT_RET] = 0xac1,		/* movl %eax, %r12d: before its key */
	[INLINE_PREALLOC_CALL] = 0xd0b,		/* __folio_alloc_noprof */
	[INLINE_PREALLOC_RET] = 0xd10,
	[INLINE_RESCHED_BRANCH] = 0xd00,
	[INLINE_RESCHED_BRANCH + 1] = 0xde8,
	[INLINE_RESCHED_BRANCH + 2] = 0xab0,
	[INLINE_RESCHED_BRANCH + 3] = 0xbae,
	[INLINE_HOLD_END] = 0x8b8,
	[INLINE_JOIN] = 0x92c,
	[INLINE_LOOP_EXIT] = 0x93a,
} };

static void test_lab_6_12_patched(void **state)
{
	(void)state;
	check_sites("lab-6.12-patched", &lab612_patched, true);
}

static void test_lab_6_12_patched_traced(void **state)
{
	(void)state;
	check_sites("lab-6.12-patched-traced", &lab612_patched, true);
}

static void test_lab_6_12_unpatched(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x5d0,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0x60b,
		[INLINE_PARENT_LOCKED] = 0x64a,
		[INLINE_PARENT_UNLOCK] = 0xd47,
		[INLINE_CHILD_UNLOCK] = 0xd7b,
		[INLINE_RESCHED_CALL] = 0xd85,
		[INLINE_RESCHED_RET] = 0xd94,
		[INLINE_RETRY_JUMP] = 0xdbb,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0xe76,
		[INLINE_SWAP_CONT_RET] = 0xe7b,
		[INLINE_PREALLOC_CALL] = 0xe9e,
		[INLINE_PREALLOC_RET] = 0xea3,
		[INLINE_RESCHED_BRANCH] = 0xe6a,
		[INLINE_RESCHED_BRANCH + 1] = -1,
		[INLINE_RESCHED_BRANCH + 2] = -1,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0xd51,
		[INLINE_JOIN] = 0xdb4,
		[INLINE_LOOP_EXIT] = 0xdc1,
	} };

	(void)state;
	check_sites("lab-6.12-unpatched", &e, true);
}

/* The symbol variant: copy_pte_range a function of its own. */
static void test_lab_6_12_symbol(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x62,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0x9d,
		[INLINE_PARENT_LOCKED] = 0xdc,
		[INLINE_PARENT_UNLOCK] = 0x1f6,
		[INLINE_CHILD_UNLOCK] = 0x228,
		[INLINE_RESCHED_CALL] = 0x232,
		[INLINE_RESCHED_RET] = 0x24b,
		[INLINE_RETRY_JUMP] = 0x265,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0x345,
		[INLINE_SWAP_CONT_RET] = 0x34a,
		[INLINE_PREALLOC_CALL] = 0x36b,
		[INLINE_PREALLOC_RET] = 0x370,
		[INLINE_RESCHED_BRANCH] = 0x3dd,
		[INLINE_RESCHED_BRANCH + 1] = 0x33b,
		[INLINE_RESCHED_BRANCH + 2] = -1,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0x223,
		[INLINE_JOIN] = -1,
		[INLINE_LOOP_EXIT] = -1,
	} };

	(void)state;
	check_sites("lab-6.12-symbol", &e, true);
}

/*
 * Patched 6.1: the same keys, but cond_resched()'s result is moved to ecx
 * (+0x9ab) before its key (+0x9ad), so the return site is that move and
 * no block site is needed; with the keys on, the retry search passes the
 * key (a jmp) to its join.
 */
static const struct expect lab61_patched = { .off = {
	[INLINE_PASS_START] = 0x636,		/* after the pass_start key at +0x631 */
	[INLINE_CHILD_LOCKED] = 0x6e3,
	[INLINE_PARENT_LOCKED] = 0x76b,		/* after the locked key at +0x766 */
	[INLINE_PARENT_UNLOCK] = 0x94c,
	[INLINE_CHILD_UNLOCK] = 0x99c,		/* then the unlocked key at +0x9a1 */
	[INLINE_RESCHED_CALL] = 0x9a6,
	[INLINE_RESCHED_RET] = 0x9bc,
	[INLINE_RETRY_JUMP] = 0x9d0,		/* jne again (+0x631) */
	[INLINE_SWAP_CONT_CALL] = 0xa99,
	[INLINE_SWAP_CONT_RET] = 0xa9e,
	[INLINE_PREALLOC_CALL] = 0xafc,		/* __folio_alloc */
	[INLINE_PREALLOC_RET] = 0xb01,
	[INLINE_RESCHED_BRANCH] = 0xa90,
	[INLINE_RESCHED_BRANCH + 1] = 0x1095,
	[INLINE_RESCHED_BRANCH + 2] = -1,
	[INLINE_RESCHED_BRANCH + 3] = -1,
	[INLINE_HOLD_END] = 0x991,
	[INLINE_JOIN] = -1,
	[INLINE_LOOP_EXIT] = -1,
} };

static void test_lab_6_1_patched(void **state)
{
	(void)state;
	check_sites("lab-6.1-patched", &lab61_patched, false);
}

static void test_lab_6_1_patched_traced(void **state)
{
	(void)state;
	check_sites("lab-6.1-patched-traced", &lab61_patched, false);
}

static void test_lab_6_1_unpatched(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x625,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0x6c4,
		[INLINE_PARENT_LOCKED] = 0x73e,
		[INLINE_PARENT_UNLOCK] = 0xac5,
		[INLINE_CHILD_UNLOCK] = 0xb1b,
		[INLINE_RESCHED_CALL] = 0xb20,
		[INLINE_RESCHED_RET] = 0xb25,
		[INLINE_RETRY_JUMP] = 0xb3b,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0xbbc,
		[INLINE_SWAP_CONT_RET] = 0xbc1,
		[INLINE_PREALLOC_CALL] = 0xd38,
		[INLINE_PREALLOC_RET] = 0xd3d,
		[INLINE_RESCHED_BRANCH] = -1,
		[INLINE_RESCHED_BRANCH + 1] = -1,
		[INLINE_RESCHED_BRANCH + 2] = -1,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0xb11,
		[INLINE_JOIN] = -1,
		[INLINE_LOOP_EXIT] = -1,
	} };

	(void)state;
	check_sites("lab-6.1-unpatched", &e, false);
}

static void test_lab_6_1_symbol(void **state)
{
	const struct expect e = { .off = {
		[INLINE_PASS_START] = 0x5e,		/* "again:" */
		[INLINE_CHILD_LOCKED] = 0xfc,
		[INLINE_PARENT_LOCKED] = 0x17c,
		[INLINE_PARENT_UNLOCK] = 0x24d,
		[INLINE_CHILD_UNLOCK] = 0x293,
		[INLINE_RESCHED_CALL] = 0x298,
		[INLINE_RESCHED_RET] = 0x29d,
		[INLINE_RETRY_JUMP] = 0x2ba,		/* jne again */
		[INLINE_SWAP_CONT_CALL] = 0x3e8,
		[INLINE_SWAP_CONT_RET] = 0x3ed,
		[INLINE_PREALLOC_CALL] = 0x41b,
		[INLINE_PREALLOC_RET] = 0x420,
		[INLINE_RESCHED_BRANCH] = -1,
		[INLINE_RESCHED_BRANCH + 1] = -1,
		[INLINE_RESCHED_BRANCH + 2] = -1,
		[INLINE_RESCHED_BRANCH + 3] = -1,
		[INLINE_HOLD_END] = 0x28e,
		[INLINE_JOIN] = -1,
		[INLINE_LOOP_EXIT] = -1,
	} };

	(void)state;
	check_sites("lab-6.1-symbol", &e, false);
}

/* call rel32 at off aimed at name's first byte */
static void retarget(struct fixture *fx, __u32 off, const char *name)
{
	__u64 to, size;
	__s32 rel;

	assert_int_equal(fx->code[off], 0xe8);
	assert_non_null(ksyms_func(fx->syms, name, &to, &size));
	rel = (__s32)(to - (fx->addr + off + 5));
	memcpy(fx->code + off + 1, &rel, sizeof(rel));
}

/*
 * The block of the key between the child's unlock and cond_resched calls
 * something that is not a tracepoint's function: not a tracepoint's key,
 * so the unlock is not directly before cond_resched.
 */
static void untrace_unlocked(struct fixture *fx)
{
	retarget(fx, 0xc34, "vm_normal_page");
}

static void test_not_a_tracepoint_refused(void **state)
{
	(void)state;
	refused("lab-6.12-patched", untrace_unlocked,
		"no unlock call directly before cond_resched at +0x8f1");
	refused("lab-6.12-patched-traced", untrace_unlocked,
		"no unlock call directly before cond_resched at +0x8f1");
}

/* The same key's block jumping back somewhere else than its join. */
static void misjoin_unlocked(struct fixture *fx)
{
	/* its last exit: jmp rel32 back to cond_resched at +0x8f1 */
	assert_int_equal(fx->code[0xc4b], 0xe9);
	fx->code[0xc4c] -= 5;
}

static void test_tracepoint_elsewhere_refused(void **state)
{
	(void)state;
	refused("lab-6.12-patched", misjoin_unlocked,
		"no unlock call directly before cond_resched at +0x8f1");
}

static void put(struct fixture *fx, __u32 off, const __u8 *bytes, size_t n)
{
	assert_true(off + n <= fx->len);
	memcpy(fx->code + off, bytes, n);
}

/* The child's unlock inlined (!CONFIG_UNINLINE_SPIN_UNLOCK): movb $0,(%rdi); nop */
static void inline_child_unlock(struct fixture *fx)
{
	static const __u8 unlock[] = { 0xc6, 0x07, 0x00, 0x66, 0x90 };

	assert_int_equal(fx->code[0xae6], 0xe8);
	put(fx, 0xae6, unlock, sizeof(unlock));
}

static void test_inlined_unlock_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", inline_child_unlock,
		"no unlock call directly before cond_resched at +0xaeb");
}

static const __u8 nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

/* A kernel without the continuation call (or with it inlined). */
static void drop_swap_cont(struct fixture *fx)
{
	assert_int_equal(fx->code[0xb8e], 0xe8);
	put(fx, 0xb8e, nop5, sizeof(nop5));
}

static void test_missing_swap_cont_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", drop_swap_cont,
		"no call of add_swap_count_continuation");
}

/* The parent's lock gone: the child's lock call is then the nearest. */
static void drop_parent_lock(struct fixture *fx)
{
	assert_int_equal(fx->code[0x7aa], 0xe8);
	put(fx, 0x7aa, nop5, sizeof(nop5));
}

static void test_missing_lock_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", drop_parent_lock,
		"child's lock: no lock call before the parent's at +0x706");
}

/*
 * mmlist_lock's lock call with a computed argument instead of the constant
 * (mov $mmlist_lock,%rdi -> mov %r13,%rdi; nop): a fourth PTE-lock-like call.
 */
static void computed_global_lock(struct fixture *fx)
{
	static const __u8 mov[] = { 0x4c, 0x89, 0xef, 0x0f, 0x1f, 0x40, 0x00 };

	assert_int_equal(fx->code[0xef1], 0x48);
	put(fx, 0xef1, mov, sizeof(mov));
}

static void test_ambiguous_lock_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", computed_global_lock,
		"ambiguous PTE lock: callq 0xffffffff81a5a000 <_raw_spin_lock> at +0xef8");
}

/* Someone's kprobe on the parent-locked instruction. */
static void breakpoint(struct fixture *fx)
{
	fx->code[0x7af] = 0xcc;
}

static void test_int3_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", breakpoint, "int3 at +0x7af");
}

/*
 * 6.12's child-only unlock (parent's table gone) is accepted because the
 * NULL check after pte_offset_map_nolock jumps to its block. Pointed at
 * another block (je +0x11fd -> +0x11e8), that unlock is one too many.
 */
static void misroute_nosrc(struct fixture *fx)
{
	static const __u8 je[] = { 0x0f, 0x84, 0x9d, 0x0a, 0x00, 0x00 };

	assert_memory_equal(fx->code + 0x75a, je, sizeof(je));
	fx->code[0x75c] = 0x88;
}

static void test_stray_unlock_refused(void **state)
{
	(void)state;
	refused("debian-6.12.117-amd64", misroute_nosrc,
		"ambiguous PTE lock: callq 0xffffffff81cf48b0 <_raw_spin_unlock> at +0x121b");
}

/* "if (addr == end) goto again": not the loop the pattern knows. */
static void invert_retry(struct fixture *fx)
{
	assert_int_equal(fx->code[0xb0b], 0x0f);
	assert_int_equal(fx->code[0xb0c], 0x85);	/* jne rel32 */
	fx->code[0xb0c] = 0x84;				/* je rel32 */
}

static void test_other_retry_refused(void **state)
{
	(void)state;
	refused("debian-6.1.0-57-amd64", invert_retry, "retry: the loop back at +0xb0b is je");
}

/* 6.12's code with 6.1's symbols: a function from another kernel. */
static void test_other_version_refused(void **state)
{
	struct fixture a, b;
	struct inline_sites s;
	char why[INLINE_WHY_LEN];

	(void)state;
	load(&a, "debian-6.12.117-amd64");
	load(&b, "debian-6.1.0-57-amd64");
	assert_int_equal(inline_recognise(a.code, a.len, b.addr, ksyms_at, b.syms, &s, why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "unknown call target at +0x"));
	unload(&a);
	unload(&b);
}

/* The ftrace call at +0 (a trampoline while traced) is no symbol: allowed. */
static void test_ftrace_site_allowed(void **state)
{
	static const __u8 call_tramp[] = { 0xe8, 0x00, 0x00, 0x00, 0x01 };
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	(void)state;
	load(&fx, "debian-6.1.0-57-amd64");
	put(&fx, 0, call_tramp, sizeof(call_tramp));
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	assert_int_equal(s.site[INLINE_PARENT_LOCKED].off, 0x7af);
	unload(&fx);

	/*
	 * Debian 6.12 under TCG: the site follows endbr64 as the kernel
	 * poisoned it (66 0f 1f 00 at +0), as when another tool's fentry
	 * program is on copy_page_range (seen in the VM suite vmas).
	 */
	load(&fx, "debian-6.12.117-amd64");
	assert_int_equal(fx.code[0], 0x66);
	put(&fx, 4, call_tramp, sizeof(call_tramp));
	if (recognise(&fx, &s, why))
		fail_msg("6.12 refused: %s", why);
	assert_int_equal(s.site[INLINE_PASS_START].off, 0x6ec);
	unload(&fx);

	/* after another 4-byte NOP (nopl 0(%rax)), such a call is refused */
	load(&fx, "debian-6.12.117-amd64");
	put(&fx, 0, (const __u8[]){ 0x0f, 0x1f, 0x40, 0x00 }, 4);
	put(&fx, 4, call_tramp, sizeof(call_tramp));
	assert_int_equal(recognise(&fx, &s, why), -1);
	assert_non_null(strstr(why, "unknown call target at +0x4"));
	unload(&fx);
}

/* preempt=full patches the static call to "xor %eax,%eax" (2e 2e 2e 31 c0). */
static void test_resched_patched_out(void **state)
{
	static const __u8 xor5rax[] = { 0x2e, 0x2e, 0x2e, 0x31, 0xc0 };
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	(void)state;
	load(&fx, "debian-6.1.0-57-amd64");
	put(&fx, 0xaeb, xor5rax, sizeof(xor5rax));
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	assert_true(s.resched_patched_out);
	assert_int_equal(s.site[INLINE_RESCHED_CALL].off, 0xaeb);
	assert_int_equal(s.site[INLINE_RESCHED_RET].off, 0xb02);
	unload(&fx);
}

static void test_truncated_refused(void **state)
{
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	(void)state;
	load(&fx, "debian-6.1.0-57-amd64");
	/* cut inside the parent's unlock call: the pass never ends */
	assert_int_equal(inline_recognise(fx.code, 0xa9c, fx.addr, ksyms_at, fx.syms, &s, why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "undecodable instruction at +0xa9a"));
	unload(&fx);
}

/*
 * A second session: the live text holds the first one's kprobes, an int3
 * at pass_start (+0x63d) and an optimized probe's jump at the join
 * (+0xb02). The text saved before them stands in, because the two differ
 * only under the kprobes the kernel lists; anywhere else, or without the
 * list saying so, it does not.
 */
static const char kprobes_list[] =
	"ffffffff812d0d8d  k  copy_page_range+0x63d\n"
	"ffffffff812d1252  k  copy_page_range+0xb02    [OPTIMIZED]\n"
	"ffffffff81000000  k  _do_fork+0x0    [FTRACE]\n"
	"ffffffffc0a01000  k  foo+0x4    [bar] [DISABLED]\n";

static void probed(struct fixture *fx, __u8 *live)
{
	static const __u8 jmp[] = { 0xe9, 0x10, 0x20, 0x30, 0x40 };

	memcpy(live, fx->code, fx->len);
	live[0x63d] = 0xcc;
	memcpy(live + 0xb02, jmp, sizeof(jmp));
}

static void test_saved_text(void **state)
{
	char path[] = "/tmp/ptcopy-inline-orig.XXXXXX", why[INLINE_WHY_LEN];
	struct inline_sites s;
	__u64 probes[8];
	struct fixture fx;
	__u8 *live, *orig;
	FILE *list;
	int fd, n;

	(void)state;
	load(&fx, "debian-6.1.0-57-amd64");
	live = malloc(fx.len);
	orig = malloc(fx.len);
	assert_non_null(live);
	assert_non_null(orig);
	probed(&fx, live);
	/* the live text is refused as it is */
	assert_int_equal(inline_recognise(live, fx.len, fx.addr, ksyms_at, fx.syms, &s, why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "int3 at +0x63d"));

	list = fmemopen((void *)kprobes_list, sizeof(kprobes_list) - 1, "r");
	assert_non_null(list);
	n = kprobes_in(list, fx.addr, fx.addr + fx.len, probes, 8);
	fclose(list);
	assert_int_equal(n, 2);
	assert_true(probes[0] == fx.addr + 0x63d && probes[1] == fx.addr + 0xb02);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(inline_orig_save(path, "boot-1", fx.func, fx.addr, fx.code, fx.len), 0);
	/* another boot's, or another function's: not used */
	assert_int_equal(inline_orig_load(path, "boot-2", fx.func, fx.addr, orig, fx.len, why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "another boot or function"));
	assert_int_equal(inline_orig_load(path, "boot-1", fx.func, fx.addr + 16, orig, fx.len,
					  why, sizeof(why)), -1);
	assert_int_equal(inline_orig_load(path, "boot-1", fx.func, fx.addr, orig, fx.len, why,
					  sizeof(why)), 0);
	assert_memory_equal(orig, fx.code, fx.len);
	assert_int_equal(inline_orig_check(live, orig, fx.len, fx.addr, probes, n, why,
					   sizeof(why)), 0);
	if (inline_recognise(orig, fx.len, fx.addr, ksyms_at, fx.syms, &s, why, sizeof(why)))
		fail_msg("saved text refused: %s", why);
	assert_int_equal(s.site[INLINE_JOIN].off, 0xb02);

	/* a kprobe the list does not show, and a change no kprobe explains */
	assert_int_equal(inline_orig_check(live, orig, fx.len, fx.addr, probes, 1, why,
					   sizeof(why)), -1);
	assert_non_null(strstr(why, "at +0xb02 (0xe9, saved 0x48), where no kprobe is"));
	live[0x700] ^= 1;
	assert_int_equal(inline_orig_check(live, orig, fx.len, fx.addr, probes, n, why,
					   sizeof(why)), -1);
	assert_non_null(strstr(why, "at +0x700"));
	/* nothing changed: nothing to take from the file */
	assert_int_equal(inline_orig_check(orig, orig, fx.len, fx.addr, probes, n, why,
					   sizeof(why)), -1);
	/* a file others may write is not believed */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(inline_orig_load(path, "boot-1", fx.func, fx.addr, orig, fx.len, why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "not root's alone"));
	unlink(path);
	free(live);
	free(orig);
	unload(&fx);
}

/*
 * The sites recognised, the range not: reason names what stopped the
 * analysis, and neither place is given (passes then have no range).
 */
static void range_refused(void (*edit)(struct fixture *), const char *reason)
{
	struct inline_sites s;
	char why[INLINE_WHY_LEN];
	struct fixture fx;

	load(&fx, "debian-6.1.0-57-amd64");
	edit(&fx);
	if (recognise(&fx, &s, why))
		fail_msg("refused: %s", why);
	assert_true(s.site[INLINE_PASS_START].found);
	assert_int_equal(s.range_addr.reg, PTCOPY_REG_NONE);
	assert_int_equal(s.range_end.reg, PTCOPY_REG_NONE);
	if (!strstr(s.range_why, reason))
		fail_msg("range refused with \"%s\", expected \"%s\"", s.range_why, reason);
	unload(&fx);
}

/* addq $8, 0x8(%rsp) in the PTE loop made addq $8, 0x58(%rsp): end's slot */
static void write_end(struct fixture *fx)
{
	static const __u8 addq[] = { 0x48, 0x83, 0x44, 0x24, 0x58, 0x08 };

	assert_int_equal(fx->code[0x994], 0x08);
	put(fx, 0x990, addq, sizeof(addq));
}

/* movq $0, 0x170(%rsp) at "again:" made movq $0, (%rsp): addr's slot */
static void clobber_addr(struct fixture *fx)
{
	assert_int_equal(fx->code[0x641], 0x70);
	fx->code[0x641] = 0x00;
	fx->code[0x642] = 0x00;
}

/* the PTE loop's jne 0x7d3 at +0x99d (0f 85 rel32) retargeted to "again:" */
static void second_back_edge(struct fixture *fx)
{
	__s32 rel = 0x63d - (0x99d + 6);

	assert_int_equal(fx->code[0x99d], 0x0f);
	memcpy(fx->code + 0x99d + 2, &rel, sizeof(rel));
}

static void test_range_refused(void **state)
{
	(void)state;
	range_refused(write_end, "both of the compare at +0xb06");
	range_refused(clobber_addr, "addr's place is written at +0x63d");
	range_refused(second_back_edge, "another way back to \"again:\" at +0x99d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_6_1),
		cmocka_unit_test(test_debian_optimizable),
		cmocka_unit_test(test_jump_into_window),
		cmocka_unit_test(test_resched_at_join),
		cmocka_unit_test(test_range_refused),
		cmocka_unit_test(test_saved_text),
		cmocka_unit_test(test_debian_6_1_cloud),
		cmocka_unit_test(test_debian_6_12),
		cmocka_unit_test(test_debian_6_12_cloud),
		cmocka_unit_test(test_debian_6_1_rt_refused),
		cmocka_unit_test(test_debian_6_12_rt),
		cmocka_unit_test(test_lab_6_1_patched),
		cmocka_unit_test(test_lab_6_1_patched_traced),
		cmocka_unit_test(test_lab_6_1_unpatched),
		cmocka_unit_test(test_lab_6_1_symbol),
		cmocka_unit_test(test_lab_6_12_patched),
		cmocka_unit_test(test_lab_6_12_patched_traced),
		cmocka_unit_test(test_lab_6_12_unpatched),
		cmocka_unit_test(test_lab_6_12_symbol),
		cmocka_unit_test(test_not_a_tracepoint_refused),
		cmocka_unit_test(test_tracepoint_elsewhere_refused),
		cmocka_unit_test(test_inlined_unlock_refused),
		cmocka_unit_test(test_missing_swap_cont_refused),
		cmocka_unit_test(test_missing_lock_refused),
		cmocka_unit_test(test_ambiguous_lock_refused),
		cmocka_unit_test(test_int3_refused),
		cmocka_unit_test(test_stray_unlock_refused),
		cmocka_unit_test(test_other_retry_refused),
		cmocka_unit_test(test_other_version_refused),
		cmocka_unit_test(test_ftrace_site_allowed),
		cmocka_unit_test(test_resched_patched_out),
		cmocka_unit_test(test_truncated_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
