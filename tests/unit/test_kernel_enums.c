// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kernel_enums_match() on BTF built here: the kernel patch's two enums as
 * ptcopy's tables name them (renumbered, which CO-RE reads right), and each
 * way a kernel can differ: an enum missing, an enumerator missing, one
 * ptcopy has no name for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <linux/types.h>
#include "kernel_enums.h"
#include "ptcopy.h"

enum variant { AS_IS, RENUMBERED, NO_STOP_ENUM, NO_HWPOISON, EXTRA_STOP };

static struct btf *kernel_btf(enum variant v)
{
	struct btf *b = btf__new_empty();
	int n = 0;

	assert_non_null(b);
	assert_true(btf__add_int(b, "int", 4, BTF_INT_SIGNED) > 0);
	assert_true(btf__add_enum(b, "copy_pte_pass_reason", 4) > 0);
#define REASON(id, value, name)						\
	assert_int_equal(btf__add_enum_value(b, "COPY_PTE_PASS_" #id,		\
					     v == RENUMBERED ? 10 + value : value), 0);
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
	if (v == NO_STOP_ENUM)
		return b;
	assert_true(btf__add_enum(b, "copy_pte_stop", 4) > 0);
#define STOP(id, value, name, lock_break)				\
	if (v != NO_HWPOISON || PTCOPY_STOP_##id != PTCOPY_STOP_HWPOISON)	\
		assert_int_equal(btf__add_enum_value(b, "COPY_PTE_STOP_" #id,	\
						     v == RENUMBERED ? 7 - value : value), 0); \
	n++;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	if (v == EXTRA_STOP)
		assert_int_equal(btf__add_enum_value(b, "COPY_PTE_STOP_NEW_CAUSE", n), 0);
	return b;
}

static void expect(enum variant v, const char *want)
{
	struct btf *b = kernel_btf(v);
	char why[256] = "";
	bool ok = kernel_enums_match(b, why, sizeof(why));

	if (want) {
		assert_false(ok);
		assert_string_equal(why, want);
	} else if (!ok) {
		fail_msg("variant %d refused: %s", v, why);
	}
	btf__free(b);
}

static void test_match(void **state)
{
	(void)state;
	expect(AS_IS, NULL);
	/* CO-RE relocates the values: another numbering is fine */
	expect(RENUMBERED, NULL);
}

static void test_differ(void **state)
{
	(void)state;
	expect(NO_STOP_ENUM, "kernel BTF has no enum copy_pte_stop (kernel-patch/ adds it)");
	expect(NO_HWPOISON, "kernel's enum copy_pte_stop has no COPY_PTE_STOP_HWPOISON");
	expect(EXTRA_STOP, "kernel's enum copy_pte_stop has COPY_PTE_STOP_NEW_CAUSE, which ptcopy "
	       "cannot name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
