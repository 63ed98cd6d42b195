// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier reads live kernel text with a BPF program
 * (bpf/kread.bpf.c, userspace/lib/kread.c). Checked against text whose bytes the kernel
 * reports by another way: the JIT image of a BPF program we load, at the
 * address bpf_prog_info gives (jited_ksyms), against jited_prog_insns.
 * More than one read chunk (4 KiB) and an unaligned start are covered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "inline_text.h"
#include "testrun.h"

/* A program whose JIT image is longer than one read chunk: many ALU ops. */
#define N_INSNS	1600

static int load_big_prog(void)
{
	struct bpf_insn *insns = calloc(N_INSNS, sizeof(*insns));
	int i, fd;

	assert_non_null(insns);
	insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 };
	/* r0 += i: each is a JIT'ed add of its own immediate, none foldable */
	for (i = 1; i < N_INSNS - 1; i++)
		insns[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K,
					      .dst_reg = BPF_REG_0, .imm = i * 4099 };
	insns[N_INSNS - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ptcopy_big", "GPL", insns, N_INSNS, NULL);
	free(insns);
	return fd;
}

static void test_reads_jit_image(void **state)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), jited_len;
	__u64 ksym = 0;
	__u8 *jit, *text;
	char why[256];
	int fd;

	(void)state;
	fd = load_big_prog();
	if (fd < 0) {
		printf("skip: loading a socket filter failed: %m\n");
		exit(77);
	}
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	if (!info.jited_prog_len || info.nr_jited_ksyms != 1) {
		printf("skip: no single JIT image to compare with (JIT off?)\n");
		exit(77);
	}
	jited_len = info.jited_prog_len;
	assert_true(jited_len > 4096);
	jit = calloc(1, jited_len);
	text = calloc(1, jited_len);
	assert_non_null(jit);
	assert_non_null(text);
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = jited_len;
	info.jited_prog_insns = (__u64)(uintptr_t)jit;
	info.nr_jited_ksyms = 1;
	info.jited_ksyms = (__u64)(uintptr_t)&ksym;
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	assert_true(ksym != 0);

	if (inline_read_text(ksym, text, jited_len, why, sizeof(why)))
		fail_msg("%s", why);
	assert_memory_equal(text, jit, jited_len);

	/* from an odd offset, across the chunk boundary */
	memset(text, 0, jited_len);
	if (inline_read_text(ksym + 3, text, jited_len - 3, why, sizeof(why)))
		fail_msg("%s", why);
	assert_memory_equal(text, jit + 3, jited_len - 3);
	free(jit);
	free(text);
	close(fd);
}

/* An address with nothing mapped: refused with the address, never zeros. */
static void test_unmapped_refused(void **state)
{
	__u8 buf[16];
	char why[256];

	(void)state;
	assert_int_equal(inline_read_text(0xffffffffff000000ULL - 0x100000, buf, sizeof(buf), why,
					  sizeof(why)), -1);
	assert_non_null(strstr(why, "reading kernel memory at 0xfffffffffef00000 failed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_jit_image),
		cmocka_unit_test(test_unmapped_refused),
	};

	testrun_require_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
