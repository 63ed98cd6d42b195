// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one read of kallsyms every probe shares (lib/ksyms.c), from an exact
 * listing: text and data apart, modules' data left out, compiler clones,
 * exact names, functions' sizes (to the next text symbol), call targets,
 * two clones of one name, and a listing whose addresses are hidden.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ksyms.h"

static const char listing[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 t copy_pte_range.isra.0\n"
	"ffffffff81100400 T copy_page_range\n"
	"ffffffff81100900 T __cond_resched\n"
	"ffffffff81100a00 W weak_fn\n"
	"ffffffff82000000 D __SCK__cond_resched\n"
	"ffffffff82000010 d preempt_dynamic_mode\n"
	"ffffffff82000020 b sk_dynamic_cond_resched\n"
	"ffffffffc0000000 t modfn\t[somemod]\n"
	"ffffffffc0001000 d moddata\t[somemod]\n"
	"ffffffffc0002000 T modlast\t[somemod]\n";

static struct ksyms *load(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ksyms *k;

	assert_non_null(f);
	k = ksyms_read(f);
	fclose(f);
	assert_non_null(k);
	return k;
}

static void test_lookups(void **state)
{
	struct ksyms *k = load(listing);
	__u64 addr = 0, size = 0;

	(void)state;
	assert_false(ksyms_hidden(k));
	/* a clone answers for its name, but is no exact match */
	assert_string_equal(ksyms_text_named(k, "copy_pte_range"), "copy_pte_range.isra.0");
	assert_false(ksyms_text_exact(k, "copy_pte_range"));
	assert_true(ksyms_text_exact(k, "copy_page_range"));
	assert_null(ksyms_text_named(k, "copy_pte"));
	/* data symbols have addresses, not text names */
	assert_true(ksyms_addr(k, "__SCK__cond_resched", &addr));
	assert_int_equal(addr, 0xffffffff82000000ULL);
	assert_true(ksyms_addr(k, "preempt_dynamic_mode", &addr));
	assert_int_equal(addr, 0xffffffff82000010ULL);
	assert_null(ksyms_text_named(k, "preempt_dynamic_mode"));
	assert_true(ksyms_addr(k, "__cond_resched", &addr));
	assert_int_equal(addr, 0xffffffff81100900ULL);
	/* a module's data is nobody's; its text is a call target */
	assert_false(ksyms_addr(k, "moddata", &addr));
	assert_string_equal(ksyms_at(k, 0xffffffffc0000000ULL), "modfn");
	assert_null(ksyms_at(k, 0xffffffff82000000ULL));
	/* a function's size runs to the next text symbol */
	assert_string_equal(ksyms_func(k, "copy_page_range", &addr, &size), "copy_page_range");
	assert_int_equal(addr, 0xffffffff81100400ULL);
	assert_int_equal(size, 0x500);
	ksyms_free(k);
}

/* kallsyms: text symbols only, sizes up to the next address, aliases. */
static void test_ksyms(void **state)
{
	struct ksyms *k = load(
		"ffffffff81000200 T copy_page_range\n"
		"ffffffff81000100 t __pfx_copy_page_range\n"
		"ffffffff81000200 T copy_page_range_alias\n"
		"ffffffff81002000 D some_data\n"
		"ffffffff81003000 t __pfx_next\n"
		"ffffffff81003010 T next\n");
	__u64 addr = 0, size = 0;

	(void)state;
	assert_string_equal(ksyms_func(k, "copy_page_range", &addr, &size), "copy_page_range");
	assert_int_equal(addr, 0xffffffff81000200ULL);
	assert_int_equal(size, 0x2e00);		/* data symbols do not end functions */
	assert_string_equal(ksyms_at(k, 0xffffffff81003010ULL), "next");
	assert_null(ksyms_at(k, 0xffffffff81003011ULL));
	assert_null(ksyms_at(k, 0xffffffff81002000ULL));
	assert_null(ksyms_func(k, "copy_pte_range", &addr, &size));
	assert_int_equal(errno, ENOENT);
	/* the last symbol has no end */
	assert_null(ksyms_func(k, "next", &addr, &size));
	ksyms_free(k);
}

/* Two clones of copy_pte_range: which one makes the passes is unknown. */
static void test_ksyms_two_clones(void **state)
{
	struct ksyms *k = load(
		"ffffffff81000000 t copy_pte_range.isra.0\n"
		"ffffffff81001000 t copy_pte_range.constprop.0\n"
		"ffffffff81002000 T copy_page_range\n"
		"ffffffff81003000 T zap\n");
	__u64 addr, size;

	(void)state;
	assert_null(ksyms_func(k, "copy_pte_range", &addr, &size));
	assert_int_equal(errno, EEXIST);
	assert_non_null(ksyms_func(k, "copy_page_range", &addr, &size));
	ksyms_free(k);
}

/* kallsyms read without CAP_SYSLOG: every address 0, which must be told apart */
static void test_ksyms_hidden(void **state)
{
	static const char hidden[] = "0000000000000000 T copy_page_range\n"
				     "0000000000000000 T _raw_spin_lock\n";
	static const char shown[] = "ffffffff81602970 T copy_page_range\n"
				    "ffffffff81e00000 T _raw_spin_lock\n";
	struct ksyms *k;
	FILE *f;

	(void)state;
	f = fmemopen((void *)hidden, sizeof(hidden) - 1, "r");
	k = ksyms_read(f);
	fclose(f);
	assert_non_null(k);
	assert_true(ksyms_hidden(k));
	ksyms_free(k);
	f = fmemopen((void *)shown, sizeof(shown) - 1, "r");
	k = ksyms_read(f);
	fclose(f);
	assert_non_null(k);
	assert_false(ksyms_hidden(k));
	ksyms_free(k);
}

/*
 * A kallsyms with no function in it (empty: systemd's ProtectKernelTunables=
 * mounts an empty node over it; or module data only) reads as no symbols,
 * with nothing sorted: qsort() of a NULL array is undefined even for none
 * (UBSan stops the sanitized build there).
 */
static void test_ksyms_empty(void **state)
{
	static const char data_only[] = "ffffffff82000000 D jiffies\n";
	struct ksyms *k;
	__u64 addr;
	FILE *f;

	(void)state;
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	k = ksyms_read(f);
	fclose(f);
	assert_non_null(k);
	assert_false(ksyms_hidden(k));
	assert_null(ksyms_text_named(k, "copy_page_range"));
	ksyms_free(k);
	f = fmemopen((void *)data_only, sizeof(data_only) - 1, "r");
	k = ksyms_read(f);
	fclose(f);
	assert_non_null(k);
	assert_null(ksyms_text_named(k, "jiffies"));
	assert_true(ksyms_addr(k, "jiffies", &addr));
	assert_int_equal(addr, 0xffffffff82000000ULL);
	ksyms_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_ksyms),
		cmocka_unit_test(test_ksyms_two_clones),
		cmocka_unit_test(test_ksyms_hidden),
		cmocka_unit_test(test_ksyms_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
