// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy_exporter: ptcopy's aggregates as Prometheus metrics.
 *
 * Lifecycle: bind the listening socket (a taken address fails before any
 * BPF is loaded), load and attach the tier's programs, enable BPF run
 * statistics, drop every capability, check that maps and program info are
 * still readable, then serve HTTP on libmicrohttpd's thread while this
 * thread drains the ring buffer until SIGINT, SIGTERM or SIGHUP. Every exit
 * path closes the session: nothing stays attached.
 *
 * Exit status: 0 stopped by a signal, 1 runtime failure (one log line says
 * what), 2 usage error.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cgroup_names.h"
#include "flags.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "progstats.h"
#include "scrape.h"
#include "session.h"
#include "signals.h"
#include "webconfig.h"
#include "webtls.h"

#define POLL_MS		1000

struct exporter {
	struct exporter_flags flags;
	int listen_fd;
	char address[128];
	struct session *session;
	int stats_fd;
	struct cgroup_names *cgroups;
	struct metrics *metrics;
	struct scraper scraper;
	bool scraper_ready;
	struct http_server *http;
	struct web_config *web;		/* --web.config.file, NULL if none */
};

static const char *label_kind(enum ptcopy_label_mode m)
{
	return m == PTCOPY_LABEL_COMM ? "comm" : m == PTCOPY_LABEL_CGROUP ? "cgroup" : "none";
}

static int open_session(struct exporter *x)
{
	struct session_opts so = {
		.tier = x->flags.tier,
		.frame = x->flags.frame,
		/* ns slots: PTE lock holds are sub-microsecond to microseconds */
		.hist_unit_ns = 1,
		.label_mode = x->flags.labels,
		.max_labels = x->flags.max_label_values,
		/* per-kind sums only: the exporter asks for no fork records */
		.vmas = x->flags.vmas ? 1 : 0,
	};

	return session_open(&x->session, &so, NULL);
}

/*
 * BPF statistics need CAP_SYS_ADMIN, so they are enabled before the drop;
 * without them the exporter still runs, only ptcopy_bpf_program_* is absent.
 */
static void enable_prog_stats(struct exporter *x)
{
	x->stats_fd = -1;
	if (!x->flags.bpf_stats)
		return;
	x->stats_fd = progstats_enable();
	if (x->stats_fd < 0) {
		pr_warn("enabling BPF run statistics failed (%s): ptcopy_bpf_program_* metrics are not exposed",
			strerror(-x->stats_fd));
		x->flags.bpf_stats = false;
	}
}

static int make_metrics(struct exporter *x)
{
	struct metrics_config mc = {
		.have = session_have(x->session),
		.label_mode = x->flags.labels,
		.tier = tier_name(session_tier(x->session)),
		.frame = frame_name(session_frame(x->session)),
		.version = PTCOPY_VERSION,
		.libbpf_version = libbpf_version_string(),
		.prog_stats = x->flags.bpf_stats,
	};

	if (x->flags.labels == PTCOPY_LABEL_CGROUP) {
		x->cgroups = cgroup_names_new(NULL);
		if (!x->cgroups)
			return -ENOMEM;
		mc.cgroup_names = cgroup_names_get;
		mc.cgroup_ctx = x->cgroups;
	}
	x->metrics = metrics_new(&mc);
	if (!x->metrics)
		return -ENOMEM;
	if (scraper_init(&x->scraper, x->session, x->metrics, x->flags.bpf_stats))
		return -ENOMEM;
	x->scraper_ready = true;
	return 0;
}

/* Without capabilities, maps and program info must still be readable. */
static int check_scrape(struct exporter *x)
{
	char *body = NULL;
	size_t len;
	int err;

	err = scraper_scrape(&x->scraper, EXPO_TEXT, &body, &len);
	free(body);
	if (err)
		pr_err("the first scrape, after dropping capabilities, failed: %s",
		       strerror(-err));
	return err;
}

/* The HTTP thread inherits a mask that blocks the stop signals. */
static int start_http(struct exporter *x)
{
	struct http_config hc = {
		.listen_fd = x->listen_fd,
		.telemetry_path = x->flags.telemetry_path,
		.scrape = scraper_scrape,
		.ctx = &x->scraper,
		.web = x->web,
		.max_connections = x->flags.max_connections,
		.max_connections_per_ip = x->flags.max_connections_per_ip,
		.connection_timeout_s = x->flags.connection_timeout_s,
	};
	sigset_t stop, old;
	int err;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	err = http_start(&x->http, &hc);
	x->listen_fd = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static int serve(struct exporter *x)
{
	int err;

	while (!signals_stop_requested()) {
		/* Nobody needs the per-fork events here: drained so the buffer never fills. */
		err = session_poll(x->session, POLL_MS);
		if (err < 0) {
			pr_err("reading fork events failed: %s", strerror(-err));
			return err;
		}
	}
	pr_info("stopping on %s", strsignal(signals_stop_signal()));
	return 0;
}

static int run(struct exporter *x)
{
	const struct prog_info *progs;
	char err[256];
	int ret;

	x->listen_fd = listen_open(x->flags.listen_address, err, sizeof(err));
	if (x->listen_fd < 0) {
		pr_err("%s", err);
		return x->listen_fd;
	}
	listen_describe(x->listen_fd, x->address, sizeof(x->address));
	ret = open_session(x);
	if (ret)
		return ret;
	/*
	 * Loading parsed the kernel's BTF (megabytes) and freed it again:
	 * give those pages back, or they stay resident for the exporter's
	 * lifetime (docs/PERFORMANCE.md, "The exporter's own cost").
	 */
	malloc_trim(0);
	enable_prog_stats(x);
	ret = make_metrics(x);
	if (ret) {
		pr_err("out of memory");
		return ret;
	}
	ret = privs_drop_all();
	if (ret)
		return ret;
	ret = check_scrape(x);
	if (ret)
		return ret;
	ret = start_http(x);
	if (ret)
		return ret;
	pr_info("listening on %s (%s%s, metrics at %s, tier %s, %zu BPF programs, labels %s, "
		"at most %u label values), capabilities dropped", x->address,
		x->web && x->web->tls ? "https" : "http",
		x->web && x->web->nusers ? " with basic auth" : "",
		x->flags.telemetry_path, tier_name(session_tier(x->session)),
		session_programs(x->session, &progs), label_kind(x->flags.labels),
		x->flags.max_label_values);
	return serve(x);
}

static void teardown(struct exporter *x)
{
	/* HTTP first: no scrape may run on a closed session. */
	http_stop(x->http);
	if (x->listen_fd >= 0)
		close(x->listen_fd);
	if (x->scraper_ready)
		scraper_fini(&x->scraper);
	metrics_free(x->metrics);
	cgroup_names_free(x->cgroups);
	session_close(x->session);
	if (x->stats_fd >= 0)
		close(x->stats_fd);
	web_config_free(x->web);
}

/*
 * The web config is read and checked before anything is attached: a
 * mistake in it is a usage error (exit 2) that names the key.
 */
static int load_web_config(struct exporter *x)
{
	char err[512];
	int ret;

	if (!x->flags.web_config_file)
		return 0;
	ret = web_config_load(x->flags.web_config_file, &x->web, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return ret;
	}
	ret = webtls_check(x->web, err, sizeof(err));
	if (ret)
		pr_err("web config %s: %s", x->flags.web_config_file, err);
	return ret;
}

int main(int argc, char **argv)
{
	struct exporter x = { .listen_fd = -1, .stats_fd = -1 };
	char err[256];
	int ret;

	log_prefix = "ptcopy_exporter";
	log_logfmt = true;
	log_verbosity = LOG_INFO;
	if (exporter_flags_parse(argc, argv, &x.flags, err, sizeof(err))) {
		pr_err("%s (see ptcopy_exporter --help)", err);
		return 2;
	}
	if (x.flags.help) {
		exporter_flags_help(stdout);
		return 0;
	}
	if (x.flags.version) {
		printf("ptcopy_exporter %s (libbpf %s)\n", PTCOPY_VERSION, libbpf_version_string());
		return 0;
	}
	log_verbosity = x.flags.log_level;
	log_setup_libbpf();
	if (load_web_config(&x)) {
		web_config_free(x.web);
		return 2;
	}
	if (signals_setup()) {
		pr_err("installing signal handlers failed: %s", strerror(errno));
		return 1;
	}
	ret = run(&x);
	teardown(&x);
	return ret ? 1 : 0;
}
