// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's log records: one logfmt line each, whatever the message holds. */
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "log.h"

/* Run fn with stderr going to a file; returns what it wrote. */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/ptcopy-log-test.XXXXXX";
	static char buf[4096];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void log_awkward(void)
{
	log_logfmt = true;
	log_verbosity = LOG_INFO;
	pr_info("a \"b\" \\ c\nd\x01\n");
	pr_debug("not shown at info");
	pr_warn("w");
}

static void test_logfmt(void **state)
{
	const char *want =
		"^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
		"level=info msg=\"a \\\\\"b\\\\\" \\\\\\\\ c\\\\nd\\\\u0001\"\n"
		"ts=[^ ]+ level=warn msg=\"w\"\n$";
	char *out;
	regex_t re;

	(void)state;
	out = capture(log_awkward);
	assert_int_equal(regcomp(&re, want, REG_EXTENDED), 0);
	if (regexec(&re, out, 0, NULL, 0))
		fail_msg("not the logfmt records wanted:\n%s", out);
	regfree(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logfmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
