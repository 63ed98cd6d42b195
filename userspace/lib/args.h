/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What ptcopy's tools share in parsing their command lines with argp: the
 * tools ask argp not to print or exit (ARGP_NO_EXIT | ARGP_NO_ERRS), and
 * report every usage error in one line of their own, exit status 2.
 */
#ifndef __PTCOPY_ARGS_H
#define __PTCOPY_ARGS_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>

/* A whole decimal number in [min, max], nothing else (no sign, no suffix). */
bool args_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Write fmt with arg into err; returns EINVAL, which stops argp's parse. */
int args_fail(char *err, size_t errlen, const char *fmt, const char *arg);

/*
 * For ARGP_KEY_ERROR: getopt saw an unknown option or one missing its
 * argument; name which, from the option at argv[state->next - 1].
 */
int args_key_error(const struct argp_option *options, const struct argp_state *state,
		   char *err, size_t errlen);

#endif /* __PTCOPY_ARGS_H */
