// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram bucketing (the very function the BPF programs run, bpf/log2.h)
 * and its printing in libbpf-tools' format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "log2.h"
#include "output.h"
#include "stats.h"

static void test_log2_boundaries(void **state)
{
	int k;

	(void)state;
	assert_int_equal(log2_u64(0), 0);
	assert_int_equal(log2_u64(1), 0);
	assert_int_equal(log2_u64(2), 1);
	assert_int_equal(log2_u64(3), 1);
	/* every power of two and its neighbours */
	for (k = 1; k < 64; k++) {
		__u64 p = 1ULL << k;

		assert_int_equal(log2_u64(p), k);
		assert_int_equal(log2_u64(p - 1), k - 1);
		if (k < 63)
			assert_int_equal(log2_u64(p + 1), k);
	}
	assert_int_equal(log2_u64(~0ULL), 63);
}

/*
 * The slot bounds user space prints are the ones log2_u64(), the function
 * BPF's hist_slot() (bpf/hist.bpf.h) runs, makes; hist_slot() clamps to the
 * last slot, whose high bound is open (tests/bpf/test_window.c,
 * test_window_last_slot).
 */
static void test_slot_bounds(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < PTCOPY_HIST_SLOTS - 1; i++) {
		assert_int_equal(log2_u64(hist_slot_low(i)), i);
		assert_int_equal(log2_u64(hist_slot_high(i)), i);
		assert_int_equal(hist_slot_low(i + 1), hist_slot_high(i) + 1);
	}
	assert_int_equal(hist_slot_low(0), 0);
	assert_int_equal(hist_slot_high(0), 1);
	assert_true(hist_slot_high(PTCOPY_HIST_SLOTS - 1) == ~0ULL);
}

static char *print_hist(const struct ptcopy_hist *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	text_hist(f, h, "usecs");
	fclose(f);
	return buf;
}

static void test_print_like_libbpf_tools(void **state)
{
	struct ptcopy_hist h = {};
	char *out;

	(void)state;
	h.slots[1] = 2;		/* 2 -> 3 */
	h.slots[3] = 4;		/* 8 -> 15: the largest, a full bar */
	out = print_hist(&h);
	assert_string_equal(out,
		"     usecs               : count    distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 2        |********************                    |\n"
		"         4 -> 7          : 0        |                                        |\n"
		"         8 -> 15         : 4        |****************************************|\n");
	free(out);
}

static void test_print_wide_and_unbounded(void **state)
{
	struct ptcopy_hist h = {};
	char *out, *last;

	(void)state;
	h.slots[PTCOPY_HIST_SLOTS - 1] = 1;
	out = print_hist(&h);
	/* past 2^32 the columns widen and the bar halves */
	assert_non_null(strstr(out, "               usecs                         : count    distribution\n"));
	last = strrchr(out, '\n');
	*last = '\0';
	last = strrchr(out, '\n') + 1;
	assert_string_equal(last,
		"        549755813888 -> ...                  : 1        |********************|");
	free(out);
}

static void test_print_empty(void **state)
{
	struct ptcopy_hist h = {};
	char *out;

	(void)state;
	out = print_hist(&h);
	assert_string_equal(out, "     (no values)\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2_boundaries),
		cmocka_unit_test(test_slot_bounds),
		cmocka_unit_test(test_print_like_libbpf_tools),
		cmocka_unit_test(test_print_wide_and_unbounded),
		cmocka_unit_test(test_print_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
