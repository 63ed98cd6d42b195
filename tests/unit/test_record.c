// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy --record's writer (userspace/ptcopy/record.c) with exact synthetic
 * records, in the order the kernel sends them (a fork's mappings, passes,
 * instants and stalls, then its window): the file against the Trace Event
 * Format's schema (tests/include/trace-event.schema.json), the events'
 * exact fields and order, track names once, whole forks under the size
 * limit, and every record not written counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "json_validate.h"
#include "record.h"

#define TRACE_SCHEMA	"tests/include/trace-event.schema.json"
#define PID		4242
#define SIBLING		4243
#define BIG		(1ULL << 30)

static char path[] = "/tmp/ptcopy-record-XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	strcpy(path + strlen(path) - 6, "XXXXXX");
	return 0;
}

static struct ptcopy_record rec(__u32 type, __u32 tid, __u64 ts, __u64 dur)
{
	struct ptcopy_record r = { .type = type, .pid = PID, .tid = tid, .ts_ns = ts,
				   .dur_ns = dur };

	return r;
}

static struct ptcopy_record window(__u64 ts, __u64 dur)
{
	struct ptcopy_record r = rec(PTCOPY_REC_WINDOW, PID, ts, dur);

	strcpy(r.name, "forker");
	strcpy(r.comm, "server");
	return r;
}

static void add(struct recorder *r, struct ptcopy_record x)
{
	assert_int_equal(recorder_add(r, &x), 0);
}

/* Closes r and returns the file parsed, validated against the schema. */
static struct json_object *finish(struct recorder *r, __u64 lost)
{
	struct recorder_tail tail = { .tier = "patched", .lost_ring_buffer = lost };
	struct json_object *doc;
	char err[256];

	assert_int_equal(recorder_close(r, &tail), 0);
	doc = json_object_from_file(path);
	assert_non_null(doc);
	if (!json_validate(TRACE_SCHEMA, "trace", doc, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	return doc;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

static __u64 u64(struct json_object *o, const char *key)
{
	return json_object_get_uint64(get(o, key));
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* ts and dur as written: microseconds, the nanoseconds as three decimals */
static void assert_usec(struct json_object *e, const char *key, const char *want)
{
	assert_string_equal(json_object_to_json_string(get(e, key)), want);
}

static struct json_object *event(struct json_object *doc, size_t i)
{
	struct json_object *evs = get(doc, "traceEvents");

	assert_true(i < json_object_array_length(evs));
	return json_object_array_get_idx(evs, i);
}

static void assert_meta(struct json_object *e, const char *what, __u32 tid, const char *name)
{
	assert_string_equal(str(e, "ph"), "M");
	assert_string_equal(str(e, "name"), what);
	assert_int_equal(u64(e, "pid"), PID);
	assert_int_equal(u64(e, "tid"), tid);
	assert_string_equal(str(get(e, "args"), "name"), name);
}

static void assert_slice(struct json_object *e, const char *cat, const char *name, __u32 tid,
			 const char *ts, const char *dur)
{
	assert_string_equal(str(e, "cat"), cat);
	assert_string_equal(str(e, "name"), name);
	assert_string_equal(str(e, "ph"), "X");
	assert_int_equal(u64(e, "pid"), PID);
	assert_int_equal(u64(e, "tid"), tid);
	assert_usec(e, "ts", ts);
	assert_usec(e, "dur", dur);
	assert_false(has(e, "s"));
}

static void assert_instant(struct json_object *e, const char *cat, const char *ts)
{
	assert_string_equal(str(e, "cat"), cat);
	assert_string_equal(str(e, "name"), cat);
	assert_string_equal(str(e, "ph"), "i");
	assert_string_equal(str(e, "s"), "t");
	assert_int_equal(u64(e, "tid"), PID);
	assert_usec(e, "ts", ts);
	assert_false(has(e, "dur"));
}

/*
 * One fork of the patched tier: two mappings, three passes (one with its
 * range), a lock-break with its cause and one without (inline), a retry,
 * and a sibling that stalled twice; sent as the kernel does, the window
 * last, passes before the mapping that holds them.
 */
static void test_fork(void **state)
{
	struct recorder *r;
	struct json_object *doc, *e, *a, *lost;
	struct ptcopy_record x;
	char err[256];

	(void)state;
	r = recorder_open(path, BIG, err, sizeof(err));
	assert_non_null(r);

	x = rec(PTCOPY_REC_PASS, PID, 2000100, 500);
	x.what = PTCOPY_PASS_FIRST;
	x.flags = PTCOPY_REC_RANGE;
	x.start = 0x7f0000000000ULL;
	x.end = 0x7f0000200000ULL;
	add(r, x);
	x = rec(PTCOPY_REC_LOCK_BREAK, PID, 2000550, 0);
	x.what = PTCOPY_STOP_NEED_RESCHED;
	add(r, x);
	x = rec(PTCOPY_REC_RETRY, PID, 2000700, 0);
	x.what = PTCOPY_PASS_LOCK_BREAK;
	add(r, x);
	x = rec(PTCOPY_REC_PASS, PID, 2000800, 1001);
	x.what = PTCOPY_PASS_LOCK_BREAK;
	add(r, x);
	x = rec(PTCOPY_REC_VMA, PID, 2000000, 5000);
	x.what = PTCOPY_VMA_ANON;
	x.start = 0x7f0000000000ULL;
	x.end = 0x7f0040000000ULL;
	add(r, x);
	x = rec(PTCOPY_REC_LOCK_BREAK, PID, 2006000, 0);
	x.what = PTCOPY_STOPS;		/* the inline tier: cause unseen */
	add(r, x);
	x = rec(PTCOPY_REC_VMA, PID, 2005500, 1500);
	x.what = PTCOPY_VMA_FILE;
	x.start = 0x7f1000000000ULL;
	x.end = 0x7f1000100000ULL;
	strcpy(x.name, "libc.so.6");
	add(r, x);
	x = rec(PTCOPY_REC_STALL, SIBLING, 2001000, 6999);
	strcpy(x.name, "worker");
	add(r, x);
	x = rec(PTCOPY_REC_STALL, SIBLING, 1999999, 1);	/* its wait was cut at the open */
	strcpy(x.name, "worker");
	add(r, x);
	assert_int_equal(recorder_pending(r), 9);
	add(r, window(1999999, 8000));
	assert_int_equal(recorder_pending(r), 0);
	assert_int_equal(recorder_written(r), 10);
	assert_int_equal(recorder_dropped(r), 0);

	doc = finish(r, 3);
	assert_string_equal(str(doc, "displayTimeUnit"), "ns");
	assert_int_equal(json_object_array_length(get(doc, "traceEvents")), 13);
	/* the process by its leader's comm, each thread by its own, once */
	assert_meta(event(doc, 0), "process_name", PID, "server");
	assert_meta(event(doc, 1), "thread_name", PID, "forker");
	e = event(doc, 2);
	assert_slice(e, "window", "window", PID, "1999.999", "8.000");
	assert_string_equal(str(get(e, "args"), "comm"), "forker");
	/* then by time, the longer first at the same start */
	assert_meta(event(doc, 3), "thread_name", SIBLING, "worker");
	assert_slice(event(doc, 4), "stall", "stall", SIBLING, "1999.999", "0.001");
	e = event(doc, 5);
	assert_slice(e, "vma", "anon", PID, "2000.000", "5.000");
	a = get(e, "args");
	assert_int_equal(u64(a, "start"), 0x7f0000000000ULL);
	assert_int_equal(u64(a, "end"), 0x7f0040000000ULL);
	assert_int_equal(u64(a, "size"), 1ULL << 30);
	assert_string_equal(str(a, "kind"), "anon");
	assert_false(has(a, "name"));
	e = event(doc, 6);
	assert_slice(e, "pass", "pass", PID, "2000.100", "0.500");
	a = get(e, "args");
	assert_string_equal(str(a, "reason"), "first");
	assert_int_equal(u64(a, "start"), 0x7f0000000000ULL);
	assert_int_equal(u64(a, "end"), 0x7f0000200000ULL);
	e = event(doc, 7);
	assert_instant(e, "lock_break", "2000.550");
	assert_string_equal(str(get(e, "args"), "cause"), "need_resched");
	e = event(doc, 8);
	assert_instant(e, "retry", "2000.700");
	assert_string_equal(str(get(e, "args"), "reason"), "lock_break");
	e = event(doc, 9);
	assert_slice(e, "pass", "pass", PID, "2000.800", "1.001");
	assert_false(has(get(e, "args"), "start"));
	assert_slice(event(doc, 10), "stall", "stall", SIBLING, "2001.000", "6.999");
	e = event(doc, 11);
	assert_slice(e, "vma", "file", PID, "2005.500", "1.500");
	assert_string_equal(str(get(e, "args"), "name"), "libc.so.6");
	e = event(doc, 12);
	assert_instant(e, "lock_break", "2006.000");
	assert_false(has(get(e, "args"), "cause"));

	e = get(doc, "otherData");
	assert_string_equal(str(e, "tier"), "patched");
	assert_int_equal(u64(e, "records"), 10);
	lost = get(e, "records_lost");
	assert_int_equal(u64(lost, "ring_buffer"), 3);
	assert_int_equal(u64(lost, "size_limit"), 0);
	assert_int_equal(u64(lost, "no_window"), 0);
	json_object_put(doc);
}

/* A fork of n passes, its window at ts. */
static void add_fork(struct recorder *r, __u64 ts, int n)
{
	int i;

	for (i = 0; i < n; i++)
		add(r, rec(PTCOPY_REC_PASS, PID, ts + 10 + i * 10, 5));
	add(r, window(ts, n * 10 + 20));
}

/*
 * The limit: a fork goes in whole or not at all, and once one did not
 * fit no later one goes in, even one that would: the file is a prefix of
 * the run in time. The file stays within the limit and valid.
 */
static void test_limit(void **state)
{
	const __u64 limit = 4096;
	struct recorder *r;
	struct json_object *doc, *lost;
	struct stat st;
	char err[256];

	(void)state;
	r = recorder_open(path, limit, err, sizeof(err));
	assert_non_null(r);
	/* ~110 bytes a pass: 15 fit in 4096 with the head and tail, 30 do not */
	add_fork(r, 1000000, 15);
	assert_int_equal(recorder_written(r), 16);
	add_fork(r, 2000000, 15);
	assert_int_equal(recorder_written(r), 16);
	assert_int_equal(recorder_dropped(r), 16);
	add_fork(r, 3000000, 0);
	assert_int_equal(recorder_written(r), 16);
	assert_int_equal(recorder_dropped(r), 17);
	doc = finish(r, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((__u64)st.st_size <= limit);
	/* metadata (2), the first window and its 15 passes */
	assert_int_equal(json_object_array_length(get(doc, "traceEvents")), 18);
	assert_int_equal(u64(get(doc, "otherData"), "records"), 16);
	lost = get(get(doc, "otherData"), "records_lost");
	assert_int_equal(u64(lost, "size_limit"), 17);
	assert_int_equal(u64(get(doc, "otherData"), "size_limit"), limit);
	json_object_put(doc);
}

/*
 * Records wait for their window within the limit: more pending than could
 * ever be written (each event is longer than its record) are counted, and
 * those whose window never comes are counted at the close.
 */
static void test_pending(void **state)
{
	const __u64 limit = 4096;
	size_t fit = limit / sizeof(struct ptcopy_record), i;
	struct recorder *r;
	struct json_object *doc, *lost;
	char err[256];

	(void)state;
	r = recorder_open(path, limit, err, sizeof(err));
	assert_non_null(r);
	for (i = 0; i < fit + 5; i++)
		add(r, rec(PTCOPY_REC_PASS, PID, 1000 + i, 1));
	assert_int_equal(recorder_pending(r), fit);
	assert_int_equal(recorder_dropped(r), 5);
	doc = finish(r, 0);
	assert_int_equal(json_object_array_length(get(doc, "traceEvents")), 0);
	lost = get(get(doc, "otherData"), "records_lost");
	assert_int_equal(u64(lost, "size_limit"), 5);
	assert_int_equal(u64(lost, "no_window"), fit);
	json_object_put(doc);
}

/* Bad files and limits: NULL, one line naming the problem. */
static void test_open_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(recorder_open("/nonexistent/dir/t.json", BIG, err, sizeof(err)));
	assert_string_equal(err, "--record: cannot write /nonexistent/dir/t.json: "
			    "No such file or directory");
	assert_null(recorder_open("/tmp", BIG, err, sizeof(err)));
	assert_string_equal(err, "--record: cannot write /tmp: Is a directory");
	assert_null(recorder_open(path, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "--record-limit 100 is too small"));
	/* NULL closes nothing */
	assert_int_equal(recorder_close(NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
