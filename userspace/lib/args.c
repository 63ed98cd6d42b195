// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"

bool args_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul() alone takes leading blanks and a sign ("-1" wraps around) */
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * The message is one line on a terminal or in a log: control characters of
 * a bad argument are shown as \xNN escapes, not written out.
 */
int args_fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	char shown[256];
	size_t n = 0;

	for (; arg && *arg && n + 5 < sizeof(shown); arg++) {
		unsigned char c = *arg;

		if (c < 0x20 || c == 0x7f)
			n += snprintf(shown + n, sizeof(shown) - n, "\\x%02x", c);
		else
			shown[n++] = c;
	}
	shown[n] = '\0';
	snprintf(err, errlen, fmt, shown);
	return EINVAL;
}

int args_choice(const char *what, const char *arg, const char *const *names, int n,
		char *err, size_t errlen)
{
	char fmt[256];
	size_t len;
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	len = snprintf(fmt, sizeof(fmt), "invalid %s '%%s': expected ", what);
	for (i = 1; i < n && len < sizeof(fmt); i++)
		len += snprintf(fmt + len, sizeof(fmt) - len, "%s%s", i > 1 ? ", " : "", names[i]);
	if (len < sizeof(fmt))
		snprintf(fmt + len, sizeof(fmt) - len, " or %s", names[0]);
	args_fail(err, errlen, fmt, arg);
	return -1;
}

int args_key_error(const struct argp_option *options, const struct argp_state *state,
		   char *err, size_t errlen)
{
	const char *bad = state->argv[state->next - 1];
	const struct argp_option *opt;

	for (opt = options; opt->name || opt->key; opt++) {
		if (!opt->arg)
			continue;
		if ((bad[0] == '-' && bad[1] == opt->key && !bad[2]) ||
		    (opt->name && !strncmp(bad, "--", 2) && !strcmp(bad + 2, opt->name)))
			return args_fail(err, errlen, "option '%s' requires an argument", bad);
	}
	return args_fail(err, errlen, "unrecognized option '%s'", bad);
}
