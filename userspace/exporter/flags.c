// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "flags.h"
#include "listen.h"
#include "log.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

enum {
	OPT_LISTEN = 1000,
	OPT_PATH,
	OPT_TIER,
	OPT_LABELS,
	OPT_MAX_LABELS,
	OPT_BPF_STATS,
	OPT_NO_BPF_STATS,
	OPT_WEB_CONFIG,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_PER_IP,
	OPT_CONN_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_VERSION,
	OPT_FRAME,
	OPT_VMAS,
};

static const struct argp_option argp_options[] = {
	{ "web.listen-address", OPT_LISTEN, "ADDRESS", 0,
	  "Address to serve on: host:port, :port or [ipv6]:port (default "
	  EXPORTER_DEFAULT_LISTEN ")", 0 },
	{ "web.telemetry-path", OPT_PATH, "PATH", 0,
	  "Path of the metrics (default " EXPORTER_DEFAULT_PATH ")", 0 },
	{ "tier", OPT_TIER, "NAME", 0,
	  "Data source: patched, inline, fentry, kprobe, tracepoint or auto (default auto: the best "
	  "this kernel offers)", 0 },
	{ "frame", OPT_FRAME, "NAME", 0,
	  "Frame the fork with: fentry, mmap_lock or auto (default auto: fentry where the "
	  "mmap_lock events carry memcg_path)", 0 },
	{ "labels", OPT_LABELS, "KIND", 0,
	  "Label per-fork metrics by comm (default), cgroup (path), or none", 0 },
	{ "max-label-values", OPT_MAX_LABELS, "N", 0,
	  "Label values kept (default 128); further values are accounted under \"other\" "
	  "and counted in ptcopy_labels_folded_total", 0 },
	{ "web.config.file", OPT_WEB_CONFIG, "FILE", 0,
	  "TLS and basic authentication, in the Prometheus exporter-toolkit's web "
	  "configuration format (see ptcopy_exporter(8))", 0 },
	{ "web.max-connections", OPT_MAX_CONNS, "N", 0,
	  "Connections served at once, from all clients (default "
	  STR(EXPORTER_DEFAULT_MAX_CONNS) "); more are closed on accept", 0 },
	{ "web.max-connections-per-ip", OPT_MAX_CONNS_PER_IP, "N", 0,
	  "Connections served at once from one IP address (default "
	  STR(EXPORTER_DEFAULT_MAX_CONNS_PER_IP) ", 0: no limit of its own)", 0 },
	{ "web.connection-timeout", OPT_CONN_TIMEOUT, "SECONDS", 0,
	  "Close a connection idle (nothing received or sent) that long (default "
	  STR(EXPORTER_DEFAULT_CONN_TIMEOUT) ")", 0 },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0,
	  "Enable the kernel's BPF run statistics (kernel.bpf_stats_enabled) while running, "
	  "for the ptcopy_bpf_program_* metrics. Off by default: it times every BPF "
	  "program on the host, not only ptcopy's", 0 },
	{ "no-bpf-stats", OPT_NO_BPF_STATS, NULL, 0,
	  "Leave the BPF run statistics off (the default)", 0 },
	{ "vmas", OPT_VMAS, NULL, 0,
	  "Probe copy_page_range() too: copy time and mappings copied by mapping kind "
	  "(ptcopy_vma_*)", 0 },
	{ "log.level", OPT_LOG_LEVEL, "LEVEL", 0,
	  "Log records at LEVEL and above: debug, info (default), warn, error", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{ "version", OPT_VERSION, NULL, 0, "Show the version", 0 },
	{},
};

static const char doc[] =
	"Prometheus exporter for the kernel's fork-time page-table copy (copy_pte_range): "
	"fork copy times, PTE lock holds, lock-breaks, retries and swap continuations."
	"\v"
	"Privileges: starting needs root, or CAP_BPF and CAP_PERFMON (to load and attach the "
	"BPF programs; CAP_SYS_ADMIN too for --bpf-stats, CAP_NET_BIND_SERVICE for a port "
	"below 1024). Once attached it drops every capability and serves without any.\n"
	"Examples:\n"
	"  ptcopy_exporter                                  # all addresses, port 10368\n"
	"  ptcopy_exporter --web.listen-address=127.0.0.1:10368 --labels=cgroup\n"
	"See ptcopy_exporter(8) for the metrics.";

struct parse_state {
	struct exporter_flags *f;
	char *err;
	size_t errlen;
};

static int fail(struct parse_state *ps, const char *fmt, const char *arg)
{
	return args_fail(ps->err, ps->errlen, fmt, arg);
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct exporter_flags *f = ps->f;
	char host[256], port[8];
	unsigned long v;

	switch (key) {
	case OPT_LISTEN:
		if (listen_parse(arg, host, sizeof(host), port, sizeof(port), ps->err,
				 ps->errlen))
			return EINVAL;
		f->listen_address = arg;
		break;
	case OPT_PATH:
		/* "/" is the index page; a path is absolute and one token. */
		if (arg[0] != '/' || !arg[1] || strpbrk(arg, " \t\r\n?#"))
			return fail(ps, "invalid telemetry path '%s': expected /name, not / itself",
				    arg);
		f->telemetry_path = arg;
		break;
	case OPT_TIER:
		f->tier = tier_from_name(arg, ps->err, ps->errlen);
		if (f->tier == TIER_COUNT)
			return EINVAL;
		break;
	case OPT_FRAME:
		f->frame = frame_from_name(arg, ps->err, ps->errlen);
		if (f->frame == FRAME_COUNT)
			return EINVAL;
		break;
	case OPT_LABELS:
		if (!strcmp(arg, "comm"))
			f->labels = PTCOPY_LABEL_COMM;
		else if (!strcmp(arg, "cgroup"))
			f->labels = PTCOPY_LABEL_CGROUP;
		else if (!strcmp(arg, "none"))
			f->labels = PTCOPY_LABEL_NONE;
		else
			return fail(ps, "invalid --labels '%s': expected comm, cgroup or none",
				    arg);
		break;
	case OPT_MAX_LABELS:
		if (!args_ulong(arg, 1, EXPORTER_MAX_LABEL_VALUES, &v))
			return fail(ps, "invalid --max-label-values '%s': expected 1 to 65536",
				    arg);
		f->max_label_values = v;
		break;
	case OPT_BPF_STATS:
		f->bpf_stats = true;
		break;
	case OPT_NO_BPF_STATS:
		f->bpf_stats = false;
		break;
	case OPT_VMAS:
		f->vmas = true;
		break;
	case OPT_WEB_CONFIG:
		if (!arg[0])
			return fail(ps, "invalid --web.config.file '%s': expected a file name", arg);
		f->web_config_file = arg;
		break;
	case OPT_MAX_CONNS:
		if (!args_ulong(arg, 1, EXPORTER_MAX_CONNS, &v))
			return fail(ps, "invalid --web.max-connections '%s': expected 1 to "
				    STR(EXPORTER_MAX_CONNS), arg);
		f->max_connections = v;
		break;
	case OPT_MAX_CONNS_PER_IP:
		if (!args_ulong(arg, 0, EXPORTER_MAX_CONNS, &v))
			return fail(ps, "invalid --web.max-connections-per-ip '%s': expected 0 to "
				    STR(EXPORTER_MAX_CONNS), arg);
		f->max_connections_per_ip = v;
		break;
	case OPT_CONN_TIMEOUT:
		if (!args_ulong(arg, 1, EXPORTER_MAX_CONN_TIMEOUT, &v))
			return fail(ps, "invalid --web.connection-timeout '%s': expected 1 to "
				    STR(EXPORTER_MAX_CONN_TIMEOUT) " seconds", arg);
		f->connection_timeout_s = v;
		break;
	case OPT_LOG_LEVEL:
		if (!strcmp(arg, "error"))
			f->log_level = LOG_ERROR;
		else if (!strcmp(arg, "warn"))
			f->log_level = LOG_WARN;
		else if (!strcmp(arg, "info"))
			f->log_level = LOG_INFO;
		else if (!strcmp(arg, "debug"))
			f->log_level = LOG_DEBUG;
		else
			return fail(ps, "invalid --log.level '%s': expected debug, info, warn or error",
				    arg);
		break;
	case 'h':
		f->help = true;
		break;
	case OPT_VERSION:
		f->version = true;
		break;
	case ARGP_KEY_ARG:
		return fail(ps, "unexpected argument '%s': ptcopy_exporter takes only options",
			    arg);
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
	.doc = doc,
};

void exporter_flags_help(FILE *out)
{
	argp_help(&argp, out, ARGP_HELP_STD_HELP, "ptcopy_exporter");
}

int exporter_flags_parse(int argc, char **argv, struct exporter_flags *f,
			 char *err, size_t errlen)
{
	struct parse_state ps = { .f = f, .err = err, .errlen = errlen };

	memset(f, 0, sizeof(*f));
	f->listen_address = EXPORTER_DEFAULT_LISTEN;
	f->telemetry_path = EXPORTER_DEFAULT_PATH;
	f->tier = TIER_AUTO;
	f->frame = FRAME_AUTO;
	f->labels = PTCOPY_LABEL_COMM;
	f->max_label_values = 128;
	/* Off by default: it times every BPF program on the host (issue 9). */
	f->bpf_stats = false;
	f->max_connections = EXPORTER_DEFAULT_MAX_CONNS;
	f->max_connections_per_ip = EXPORTER_DEFAULT_MAX_CONNS_PER_IP;
	f->connection_timeout_s = EXPORTER_DEFAULT_CONN_TIMEOUT;
	f->log_level = LOG_INFO;
	err[0] = '\0';
	/* One line and exit 2 on errors, help on request: argp neither prints nor exits. */
	if (argp_parse(&argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_ERRS | ARGP_NO_HELP, NULL, &ps)) {
		if (!err[0])
			snprintf(err, errlen, "invalid arguments");
		return -EINVAL;
	}
	return 0;
}
