// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkload's command line. Every usage error is one line on stderr and exit
 * status 2, so that scripts and tests can tell it from a runtime failure.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "args.h"
#include "forkload.h"

#ifndef PTCOPY_VERSION
#define PTCOPY_VERSION "unknown"
#endif

const char *argp_program_version = "forkload (ptcopy) " PTCOPY_VERSION;

/*
 * Largest --size whose byte count, plus the alignment slack and the fault
 * regions, still fits in a size_t; the kernel refuses much smaller ones.
 */
#define SIZE_MIB_MAX		(SIZE_MAX / MIB / 4)
#define FAULT_THREADS_MAX	1024
#define INTERVAL_MS_MAX		(24UL * 3600 * 1000)

enum {
	OPT_HOLD = 0x100,
	OPT_FAULT_THREADS,
	OPT_INTERVAL_MS,
	OPT_CPU,
	OPT_HOG,
	OPT_PAGEOUT,
	OPT_PAGEOUT_PAGES,
};

static const char doc[] =
"Map private anonymous memory (THP off), touch every page, fork it K times "
"and print each fork()'s wall time as it sees it, as NDJSON on stdout: one "
"\"start\" line, one \"fork\" line per fork, one \"summary\" line."
"\v"
"A fork that fails is reported with its errno and forkload goes on. With "
"--fault-threads, each thread faults fresh pages of its own region, mapped "
"below the big one, from before the first fork until after the last one: "
"those faults wait for the forking parent's mmap_lock.\n\n"
"Exit status: 0 if everything went as asked (failed forks included), 1 on "
"a runtime failure, 2 on a usage error.";

static const struct argp_option options[] = {
	{ "size", 's', "MIB", 0, "Size of the mapping to fork, in MiB (default 256)", 0 },
	{ "forks", 'n', "K", 0, "Number of forks (default 10)", 0 },
	{ "hold", OPT_HOLD, NULL, 0,
	  "Children stay alive until forkload exits (then it kills and reaps them)", 0 },
	{ "fault-threads", OPT_FAULT_THREADS, "N", 0,
	  "Threads faulting in fresh pages during the forks (default 0)", 0 },
	{ "interval-ms", OPT_INTERVAL_MS, "MS", 0, "Pause between forks (default 0)", 0 },
	{ "cpu", OPT_CPU, "N", 0,
	  "Pin the forking thread to CPU N (the fault threads run on the others)", 0 },
	{ "hog", OPT_HOG, NULL, 0,
	  "Run a busy-looping thread on the forking thread's CPU (needs --cpu)", 0 },
	{ "pageout", OPT_PAGEOUT, NULL, 0,
	  "After touching, push the mapping out to swap (MADV_PAGEOUT)", 0 },
	{ "pageout-pages", OPT_PAGEOUT_PAGES, "N", 0,
	  "Push out only the first N pages (implies --pageout)", 0 },
	{ "quiet", 'q', NULL, 0, "Print only the summary line", 0 },
	{ 0 }
};

static void usage_error(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "forkload: %s: invalid value '%s': %s\n", opt, arg, why);
}

/* A decimal integer in [min, max] (args_ulong: no blanks, sign or suffix). */
static int parse_ull(const char *opt, const char *arg, unsigned long min, unsigned long max,
		     unsigned long long *out)
{
	unsigned long v;
	char why[96];

	if (!args_ulong(arg, min, max, &v)) {
		snprintf(why, sizeof(why), "not a decimal integer from %lu to %lu", min, max);
		usage_error(opt, arg, why);
		return -1;
	}
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fl_options *opts = state->input;
	unsigned long long v;

	switch (key) {
	case ARGP_KEY_INIT:
		/*
		 * getopt has already printed one line for an unknown option
		 * or a missing argument; without an error stream argp adds no
		 * "Try --help" line and leaves the exit to main().
		 */
		state->err_stream = NULL;
		return 0;
	case 's':
		if (parse_ull("--size", arg, 1, SIZE_MIB_MAX, &v))
			return EINVAL;
		opts->size_mib = v;
		return 0;
	case 'n':
		if (parse_ull("--forks", arg, 0, LONG_MAX, &v))
			return EINVAL;
		opts->forks = v;
		return 0;
	case OPT_HOLD:
		opts->hold = true;
		return 0;
	case OPT_FAULT_THREADS:
		if (parse_ull("--fault-threads", arg, 0, FAULT_THREADS_MAX, &v))
			return EINVAL;
		opts->fault_threads = v;
		return 0;
	case OPT_INTERVAL_MS:
		if (parse_ull("--interval-ms", arg, 0, INTERVAL_MS_MAX, &v))
			return EINVAL;
		opts->interval_ms = v;
		return 0;
	case OPT_CPU:
		if (parse_ull("--cpu", arg, 0, CPU_SETSIZE - 1, &v))
			return EINVAL;
		opts->cpu = v;
		return 0;
	case OPT_HOG:
		opts->hog = true;
		return 0;
	case OPT_PAGEOUT:
		opts->pageout = true;
		return 0;
	case OPT_PAGEOUT_PAGES:
		if (parse_ull("--pageout-pages", arg, 1, SIZE_MAX, &v))
			return EINVAL;
		opts->pageout = true;
		opts->pageout_pages = v;
		return 0;
	case 'q':
		opts->quiet = true;
		return 0;
	case ARGP_KEY_ARG:
		fprintf(stderr, "forkload: unexpected argument '%s'\n", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (opts->hog && opts->cpu < 0) {
			fprintf(stderr, "forkload: --hog needs --cpu: the hog shares the forking thread's CPU\n");
			return EINVAL;
		}
		if (opts->pageout_pages >
		    opts->size_mib * MIB / (unsigned long)sysconf(_SC_PAGESIZE)) {
			fprintf(stderr, "forkload: --pageout-pages: %zu is more pages than --size %llu MiB holds\n",
				opts->pageout_pages, opts->size_mib);
			return EINVAL;
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = doc,
};

int parse_options(int argc, char **argv, struct fl_options *opts)
{
	char *argv0 = argv[0];
	error_t err;

	*opts = (struct fl_options){
		.size_mib = 256,
		.forks = 10,
		.cpu = -1,
	};
	/*
	 * getopt prefixes its messages with argv[0] as typed ("./forkload",
	 * "build/forkload"); every other message says "forkload".
	 */
	argv[0] = "forkload";
	/* --help, --usage and --version print to stdout and exit 0 in there. */
	err = argp_parse(&argp, argc, argv, 0, NULL, opts);
	argv[0] = argv0;
	return err ? -1 : 0;
}
