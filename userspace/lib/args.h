/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What ptcopy's tools share in parsing their command lines with argp: the
 * tools ask argp not to print or exit (ARGP_NO_EXIT | ARGP_NO_ERRS), and
 * report every usage error in one line of their own, exit status 2.
 *
 * Why not argp_error() with argp_err_exit_status = 2: argp then prints a
 * second line ("Try `ptcopy --help' or `ptcopy --usage' ...") after every
 * error, where the tools promise one line, and it exits from inside
 * argp_parse(), where the parsers must return: the unit tests and the
 * fuzzers (tests/fuzz) run them in-process, and the caller frees what
 * the parse allocated. getopt's own message is also off (ARGP_NO_ERRS):
 * it writes a bad option's bytes as they are, control characters
 * included; args_fail() shows them escaped.
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
 * The index of arg in names[n], or -1 with "invalid WHAT 'ARG': expected
 * names[1], ..., names[n-1] or names[0]" in err: names[0] is the default
 * ("auto" of the tier and frame tables), named last. The list is the
 * caller's table, so the message cannot miss a name.
 */
int args_choice(const char *what, const char *arg, const char *const *names, int n,
		char *err, size_t errlen);

/*
 * For ARGP_KEY_ERROR: getopt saw an unknown option or one missing its
 * argument; name which, from the option at argv[state->next - 1].
 */
int args_key_error(const struct argp_option *options, const struct argp_state *state,
		   char *err, size_t errlen);

#endif /* __PTCOPY_ARGS_H */
