// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "options.h"

#define OPT_CGROUP	1000
#define OPT_FORKS	1001
#define OPT_PROBE	1002
#define OPT_TIER	1003
#define OPT_VERSION	1004
#define OPT_FRAME	1005
#define OPT_VMAS	1006
#define OPT_RECORD	1007
#define OPT_RECORD_LIMIT	1008

static const struct argp_option argp_options[] = {
	{ "pid", 'p', "PID", 0, "Trace forks of this process only", 0 },
	{ "comm", 'c', "COMM", 0, "Trace forks of processes with this name only", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Trace forks in this cgroup (v2) and below only", 0 },
	{ "timestamp", 'T', NULL, 0, "Print a timestamp with each report and fork", 0 },
	{ "milliseconds", 'm', NULL, 0, "Histograms in milliseconds", 0 },
	{ "nanoseconds", 'n', NULL, 0, "Histograms in nanoseconds (for PTE lock holds)", 0 },
	{ "forks", OPT_FORKS, "MIN_MS", OPTION_ARG_OPTIONAL,
	  "Print one line per fork whose copy window is at least MIN_MS (default 0)", 0 },
	{ "vmas", OPT_VMAS, "N", OPTION_ARG_OPTIONAL,
	  "Attribute copy time to mappings: the summary by kind, each --forks record "
	  "with its N costliest (default 5, at most 16)", 0 },
	{ "record", OPT_RECORD, "FILE", 0,
	  "Write every traced fork's timeline to FILE, a Chrome Trace Event JSON file "
	  "(ui.perfetto.dev, chrome://tracing). Every tier: copy windows, sibling stalls, "
	  "and mappings where copy_page_range can be probed; patched and inline also "
	  "passes, lock-breaks and retries (see ptcopy(8))", 0 },
	{ "record-limit", OPT_RECORD_LIMIT, "SIZE", 0,
	  "Stop recording when FILE would exceed SIZE bytes (suffix K, M, G: KiB, MiB, GiB; "
	  "default 32M); later forks are counted as lost, never cut", 0 },
	{ "json", 'j', NULL, 0, "Print NDJSON objects instead of text (see ptcopy(8))", 0 },
	{ "probe", OPT_PROBE, NULL, 0, "Print what this kernel offers and the tier chosen, then exit", 0 },
	{ "tier", OPT_TIER, "NAME", 0, "Use this tier: patched, inline, fentry, kprobe, tracepoint (default auto)", 0 },
	{ "frame", OPT_FRAME, "NAME", 0,
	  "Frame the fork with: fentry, mmap_lock (default auto: fentry where the mmap_lock events carry memcg_path)", 0 },
	{ "verbose", 'v', NULL, 0, "More messages; twice: libbpf's own", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{ "version", OPT_VERSION, NULL, 0, "Show the version", 0 },
	{},
};

static const char doc[] =
	"Trace the fork-time page-table copy (copy_pte_range): how long forks hold the\n"
	"parent's mmap_lock and PTE locks, lock-breaks, retries, swap continuations.\n"
	"\v"
	"Examples:\n"
	"  ptcopy                  # summarize until Ctrl-C\n"
	"  ptcopy 5 3              # three 5-second reports\n"
	"  ptcopy --forks=10 -T    # every fork with a copy of 10 ms or more\n"
	"  ptcopy -j --forks -p 42 # NDJSON, forks of pid 42\n"
	"  ptcopy --forks --vmas   # each fork with its 5 costliest mappings\n"
	"  ptcopy --record=t.json  # a timeline for ui.perfetto.dev\n"
	"  ptcopy --probe          # what this kernel offers";

struct parse_state {
	struct options *o;
	char *err;
	size_t errlen;
	int npos;
};

static int fail(struct parse_state *ps, const char *fmt, const char *arg)
{
	return args_fail(ps->err, ps->errlen, fmt, arg);
}

static bool parse_ms(const char *s, __u64 *ns)
{
	double v;
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0) || v > 1e9)
		return false;
	*ns = (__u64)(v * 1e6 + 0.5);
	return true;
}

/* SIZE: bytes, or with a K, M or G suffix (powers of 1024). */
static bool parse_size(const char *s, __u64 *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (OPTIONS_RECORD_LIMIT_MAX >> shift))
		return false;
	*bytes = (__u64)v << shift;
	return *bytes >= OPTIONS_RECORD_LIMIT_MIN;
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct options *o = ps->o;
	unsigned long v;

	switch (key) {
	case 'p':
		if (!args_ulong(arg, 1, INT_MAX, &v))
			return fail(ps, "invalid PID '%s': expected a positive number", arg);
		o->pid = v;
		break;
	case 'c':
		if (!*arg || strlen(arg) >= PTCOPY_COMM_LEN)
			return fail(ps, "invalid COMM '%s': 1 to 15 characters (the kernel's comm length)",
				    arg);
		strcpy(o->comm, arg);
		break;
	case OPT_CGROUP:
		if (!*arg)
			return fail(ps, "invalid cgroup path '%s'", arg);
		o->cgroup = arg;
		break;
	case 'T':
		o->timestamp = true;
		break;
	case 'm':
		o->unit_ns = 1000000;
		break;
	case 'n':
		o->unit_ns = 1;
		break;
	case OPT_FORKS:
		o->forks = true;
		if (arg && !parse_ms(arg, &o->forks_min_ns))
			return fail(ps, "invalid --forks threshold '%s': expected milliseconds >= 0",
				    arg);
		break;
	case OPT_VMAS:
		o->vmas = OPTIONS_VMAS_DEFAULT;
		if (arg && !args_ulong(arg, 1, PTCOPY_VMAS_MAX, &v))
			return fail(ps, "invalid --vmas count '%s': expected 1 to "
				    PTCOPY_STR(PTCOPY_VMAS_MAX), arg);
		if (arg)
			o->vmas = v;
		break;
	case OPT_RECORD:
		if (!*arg)
			return fail(ps, "invalid --record file '%s': expected a path", arg);
		o->record = arg;
		break;
	case OPT_RECORD_LIMIT:
		if (!parse_size(arg, &o->record_limit))
			return fail(ps, "invalid --record-limit '%s': expected bytes, or K, M, G "
				    "(4K to 1024G)", arg);
		o->record_limit_set = true;
		break;
	case 'j':
		o->json = true;
		break;
	case OPT_PROBE:
		o->probe = true;
		break;
	case OPT_TIER:
		o->tier = tier_from_name(arg, ps->err, ps->errlen);
		if (o->tier == TIER_COUNT)
			return EINVAL;
		break;
	case OPT_FRAME:
		o->frame = frame_from_name(arg, ps->err, ps->errlen);
		if (o->frame == FRAME_COUNT)
			return EINVAL;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'h':
		o->help = true;
		break;
	case OPT_VERSION:
		o->version = true;
		break;
	case ARGP_KEY_ARG:
		if (ps->npos == 0) {
			if (!args_ulong(arg, 1, 86400 * 365, &v))
				return fail(ps, "invalid interval '%s': expected whole seconds > 0", arg);
			o->interval_s = v;
		} else if (ps->npos == 1) {
			if (!args_ulong(arg, 1, ULONG_MAX, &v))
				return fail(ps, "invalid count '%s': expected a number > 0", arg);
			o->count = v;
		} else {
			return fail(ps, "unexpected argument '%s': usage is [interval [count]]", arg);
		}
		ps->npos++;
		break;
	case ARGP_KEY_ERROR:
		if (!ps->err[0])
			return args_key_error(argp_options, state, ps->err, ps->errlen);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	.options = argp_options,
	.parser = parse_opt,
	.args_doc = "[interval [count]]",
	.doc = doc,
};

void options_help(FILE *f)
{
	argp_help(&argp, f, ARGP_HELP_STD_HELP, "ptcopy");
}

int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	struct parse_state ps = { .o = o, .err = err, .errlen = errlen };
	int ret;

	memset(o, 0, sizeof(*o));
	o->unit_ns = 1000;
	o->tier = TIER_AUTO;
	o->frame = FRAME_AUTO;
	o->record_limit = OPTIONS_RECORD_LIMIT_DEFAULT;
	err[0] = '\0';
	/*
	 * argp's own error and help output is several lines and exits; ptcopy
	 * prints one line and exits 2 itself, and prints help on request.
	 */
	ret = argp_parse(&argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_ERRS | ARGP_NO_HELP, NULL, &ps);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "invalid arguments");
		return OPTIONS_USAGE;
	}
	if (o->probe && (o->forks || o->interval_s || o->vmas || o->record)) {
		snprintf(err, errlen, "--probe takes no --forks, --vmas, --record, interval or count");
		return OPTIONS_USAGE;
	}
	if (o->record_limit_set && !o->record) {
		snprintf(err, errlen, "--record-limit needs --record=FILE");
		return OPTIONS_USAGE;
	}
	return OPTIONS_OK;
}
