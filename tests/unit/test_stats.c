// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Sums and interval deltas of the aggregates read from the maps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "stats.h"

static void test_add_sums_counters_and_keeps_max(void **state)
{
	struct ptcopy_stats a = {}, b = {};

	(void)state;
	a.forks = 2;
	a.window_ns_max = 100;
	a.hold_ns_max = 7;
	a.window.slots[3] = 1;
	a.stops[PTCOPY_STOP_SRC_CONTENDED] = 1;
	b.forks = 3;
	b.window_ns_max = 50;
	b.hold_ns_max = 9;
	b.window.slots[3] = 2;
	b.window.slots[PTCOPY_HIST_SLOTS - 1] = 1;
	b.swap_cont_failed = 4;
	stats_add(&a, &b);
	assert_int_equal(a.forks, 5);
	assert_int_equal(a.window_ns_max, 100);
	assert_int_equal(a.hold_ns_max, 9);
	assert_int_equal(a.window.slots[3], 3);
	assert_int_equal(a.window.slots[PTCOPY_HIST_SLOTS - 1], 1);
	assert_int_equal(a.swap_cont_failed, 4);
	assert_int_equal(hist_count(&a.window), 4);
	assert_int_equal(stats_lock_breaks(&a), 1);
}

static void test_delta(void **state)
{
	struct ptcopy_stats before = {}, now = {}, d;

	(void)state;
	before.forks = 10;
	before.window_ns_max = 5;
	before.pass_reasons[PTCOPY_PASS_FIRST] = 100;
	before.pass_reasons[PTCOPY_PASS_LOCK_BREAK] = 1;
	now = before;
	now.forks = 14;
	now.window_ns_max = 8;
	now.pass_reasons[PTCOPY_PASS_FIRST] = 150;
	now.pass_reasons[PTCOPY_PASS_SWAP_CONT] = 2;
	stats_delta(&d, &now, &before);
	assert_int_equal(d.forks, 4);
	assert_int_equal(d.window_ns_max, 8);	/* maxima are cumulative */
	assert_int_equal(d.pass_reasons[PTCOPY_PASS_FIRST], 50);
	assert_int_equal(stats_retries(&d), 2);
	assert_int_equal(stats_retries(&now), 3);
}

static void test_snapshot_delta_by_label(void **state)
{
	struct label_stats prev_l[1] = {}, now_l[2] = {};
	struct snapshot prev = { .labels = prev_l, .nlabels = 1 };
	struct snapshot now = { .labels = now_l, .nlabels = 2 };
	struct snapshot d;

	(void)state;
	strcpy(prev_l[0].label.comm, "redis");
	prev_l[0].stats.forks = 3;
	/* labels come back in any order; a new one appears */
	strcpy(now_l[0].label.comm, "java");
	now_l[0].stats.forks = 2;
	now_l[1].label = prev_l[0].label;
	now_l[1].stats.forks = 5;
	prev.total.forks = 3;
	now.total.forks = 7;
	now.counters[PTCOPY_CTR_EVENTS_LOST] = 1;
	assert_int_equal(snapshot_delta(&d, &now, &prev), 0);
	assert_int_equal(d.nlabels, 2);
	assert_string_equal(d.labels[0].label.comm, "java");
	assert_int_equal(d.labels[0].stats.forks, 2);
	assert_int_equal(d.labels[1].stats.forks, 2);
	assert_int_equal(d.total.forks, 4);
	assert_int_equal(d.counters[PTCOPY_CTR_EVENTS_LOST], 1);
	snapshot_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sums_counters_and_keeps_max),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_snapshot_delta_by_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
