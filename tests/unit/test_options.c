// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptcopy's command line: what each option sets, and every usage error's message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "options.h"

#define MAXARGS 32

static int parse(struct options *o, char *err, ...)
{
	char *argv[MAXARGS] = { "ptcopy" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, char *)) && argc < MAXARGS - 1)
		argv[argc++] = a;
	va_end(ap);
	return options_parse(argc, argv, o, err, 256);
}

static void test_defaults(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, NULL), OPTIONS_OK);
	assert_int_equal(o.interval_s, 0);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.pid, 0);
	assert_string_equal(o.comm, "");
	assert_null(o.cgroup);
	assert_int_equal(o.unit_ns, 1000);
	assert_int_equal(o.tier, TIER_AUTO);
	assert_false(o.forks);
	assert_int_equal(o.vmas, 0);
	assert_false(o.json);
}

static void test_everything(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, "-p", "42", "-c", "redis-server", "--cgroup",
			       "/sys/fs/cgroup/db", "-T", "-m", "--forks=2.5", "-j", "-v", "-v",
			       "--tier=tracepoint", "5", "3", NULL), OPTIONS_OK);
	assert_int_equal(o.pid, 42);
	assert_string_equal(o.comm, "redis-server");
	assert_string_equal(o.cgroup, "/sys/fs/cgroup/db");
	assert_true(o.timestamp);
	assert_int_equal(o.unit_ns, 1000000);
	assert_true(o.forks);
	assert_int_equal(o.forks_min_ns, 2500000);
	assert_true(o.json);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.tier, TIER_TRACEPOINT);
	assert_int_equal(o.interval_s, 5);
	assert_int_equal(o.count, 3);
}

static void test_forks_without_threshold(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, "--forks", "-n", NULL), OPTIONS_OK);
	assert_true(o.forks);
	assert_int_equal(o.forks_min_ns, 0);
	assert_int_equal(o.unit_ns, 1);
	assert_int_equal(parse(&o, err, "--probe", "-j", NULL), OPTIONS_OK);
	assert_true(o.probe);
	assert_int_equal(parse(&o, err, "--help", NULL), OPTIONS_OK);
	assert_true(o.help);
	assert_int_equal(parse(&o, err, "--version", NULL), OPTIONS_OK);
	assert_true(o.version);
}

/* --vmas: 5 mappings per fork record unless told, 1 to 16 */
static void test_vmas(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, "--vmas", NULL), OPTIONS_OK);
	assert_int_equal(o.vmas, 5);
	assert_false(o.forks);
	assert_int_equal(parse(&o, err, "--forks", "--vmas=1", NULL), OPTIONS_OK);
	assert_int_equal(o.vmas, 1);
	assert_int_equal(parse(&o, err, "--vmas=16", NULL), OPTIONS_OK);
	assert_int_equal(o.vmas, PTCOPY_VMAS_MAX);
}

/* --record: off unless asked; --record-limit in bytes, K, M or G, 32M by default */
static void test_record(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, NULL), OPTIONS_OK);
	assert_null(o.record);
	assert_int_equal(parse(&o, err, "--record=t.json", NULL), OPTIONS_OK);
	assert_string_equal(o.record, "t.json");
	assert_int_equal(o.record_limit, 32ULL << 20);
	assert_int_equal(parse(&o, err, "--record=t", "--record-limit=4096", NULL), OPTIONS_OK);
	assert_int_equal(o.record_limit, 4096);
	assert_int_equal(parse(&o, err, "--record=t", "--record-limit=4K", NULL), OPTIONS_OK);
	assert_int_equal(o.record_limit, 4096);
	assert_int_equal(parse(&o, err, "--record=t", "--record-limit=100M", NULL), OPTIONS_OK);
	assert_int_equal(o.record_limit, 100ULL << 20);
	assert_int_equal(parse(&o, err, "--record=t", "--record-limit=1024G", NULL), OPTIONS_OK);
	assert_int_equal(o.record_limit, 1ULL << 40);
}

static void expect_usage(const char *msg, ...)
{
	char *argv[MAXARGS] = { "ptcopy" };
	struct options o;
	char err[256];
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, msg);
	while ((a = va_arg(ap, char *)) && argc < MAXARGS - 1)
		argv[argc++] = a;
	va_end(ap);
	assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_USAGE);
	assert_string_equal(err, msg);
}

static void test_usage_errors(void **state)
{
	(void)state;
	expect_usage("invalid PID 'abc': expected a positive number", "-p", "abc", NULL);
	expect_usage("invalid PID '0': expected a positive number", "-p", "0", NULL);
	expect_usage("invalid PID '-5': expected a positive number", "--pid=-5", NULL);
	expect_usage("invalid PID '99999999999': expected a positive number", "-p", "99999999999", NULL);
	expect_usage("option '-p' requires an argument", "-p", NULL);
	expect_usage("option '--pid' requires an argument", "--pid", NULL);
	expect_usage("unrecognized option '--bogus'", "--bogus", NULL);
	expect_usage("unrecognized option '-x'", "-x", NULL);
	expect_usage("invalid COMM 'a-very-long-process-name': 1 to 15 characters (the kernel's comm length)",
		     "-c", "a-very-long-process-name", NULL);
	expect_usage("invalid interval '0': expected whole seconds > 0", "0", NULL);
	expect_usage("invalid interval '1.5': expected whole seconds > 0", "1.5", NULL);
	/* strtoul() would take the blank and the sign: args_ulong() does not */
	expect_usage("invalid interval ' 5': expected whole seconds > 0", " 5", NULL);
	expect_usage("invalid interval '+5': expected whole seconds > 0", "+5", NULL);
	expect_usage("invalid count '0': expected a number > 0", "1", "0", NULL);
	expect_usage("unexpected argument '3': usage is [interval [count]]", "1", "2", "3", NULL);
	expect_usage("invalid tier 'fast': expected patched, inline, fentry, kprobe, tracepoint or auto",
		     "--tier=fast", NULL);
	expect_usage("invalid --forks threshold 'x': expected milliseconds >= 0", "--forks=x", NULL);
	expect_usage("invalid --forks threshold '-1': expected milliseconds >= 0", "--forks=-1", NULL);
	expect_usage("--probe takes no --forks, --vmas, --record, interval or count", "--probe", "5",
		     NULL);
	expect_usage("--probe takes no --forks, --vmas, --record, interval or count", "--probe",
		     "--vmas", NULL);
	expect_usage("--probe takes no --forks, --vmas, --record, interval or count", "--probe",
		     "--record=t.json", NULL);
	expect_usage("--record-limit needs --record=FILE", "--record-limit=1M", NULL);
	expect_usage("invalid --record file '': expected a path", "--record=", NULL);
	expect_usage("invalid --record-limit '4095': expected bytes, or K, M, G (4K to 1024G)",
		     "--record=t", "--record-limit=4095", NULL);
	expect_usage("invalid --record-limit '1025G': expected bytes, or K, M, G (4K to 1024G)",
		     "--record=t", "--record-limit=1025G", NULL);
	expect_usage("invalid --record-limit '-1': expected bytes, or K, M, G (4K to 1024G)",
		     "--record=t", "--record-limit=-1", NULL);
	expect_usage("invalid --record-limit '8MB': expected bytes, or K, M, G (4K to 1024G)",
		     "--record=t", "--record-limit=8MB", NULL);
	expect_usage("invalid --vmas count '0': expected 1 to 16", "--vmas=0", NULL);
	expect_usage("invalid --vmas count '17': expected 1 to 16", "--vmas=17", NULL);
	expect_usage("invalid --vmas count 'all': expected 1 to 16", "--vmas=all", NULL);
	/* control characters of a bad argument are escaped: the message stays one line */
	expect_usage("invalid PID '1\\x0a2\\x1b[31m': expected a positive number", "-p", "1\n2\033[31m", NULL);
	expect_usage("unrecognized option '--a\\x7fb'", "--a\177b", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_forks_without_threshold),
		cmocka_unit_test(test_vmas),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
