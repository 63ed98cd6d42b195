/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptcopy_exporter's command line, in the Prometheus exporters' convention. */
#ifndef __PTCOPY_EXPORTER_FLAGS_H
#define __PTCOPY_EXPORTER_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "frame.h"
#include "tier.h"

/*
 * Outside the 9100-9999 block of Prometheus' port allocations (full since
 * 2023), clear of /etc/services and Kubernetes' 10249-10259: see the man page.
 */
#define EXPORTER_DEFAULT_LISTEN		":10368"
#define EXPORTER_DEFAULT_PATH		"/metrics"
#define EXPORTER_MAX_LABEL_VALUES	65536
/*
 * Connection limits (see the man page, SECURITY): one address may hold a
 * few connections (Prometheus keeps one per target, a human a few more),
 * so that one misbehaving host cannot take all of them; idle ones are
 * closed well within Prometheus' default scrape interval.
 */
#define EXPORTER_DEFAULT_MAX_CONNS		256
#define EXPORTER_DEFAULT_MAX_CONNS_PER_IP	16
#define EXPORTER_DEFAULT_CONN_TIMEOUT		10
#define EXPORTER_MAX_CONNS			4096
#define EXPORTER_MAX_CONN_TIMEOUT		3600

struct exporter_flags {
	const char *listen_address;	/* --web.listen-address */
	const char *telemetry_path;	/* --web.telemetry-path */
	enum tier tier;
	enum frame frame;
	enum ptcopy_label_mode labels;
	unsigned int max_label_values;
	bool bpf_stats;			/* --bpf-stats; off by default */
	bool vmas;			/* --vmas: copy time by mapping kind; off by default */
	const char *web_config_file;	/* --web.config.file, NULL if none */
	unsigned int max_connections;	/* --web.max-connections */
	unsigned int max_connections_per_ip;	/* --web.max-connections-per-ip, 0: none */
	unsigned int connection_timeout_s;	/* --web.connection-timeout */
	int log_level;			/* enum log_level */
	bool help;
	bool version;
};

/* 0, or -EINVAL with the one-line reason in err (the caller exits 2). */
int exporter_flags_parse(int argc, char **argv, struct exporter_flags *f,
			 char *err, size_t errlen);
void exporter_flags_help(FILE *out);

#endif /* __PTCOPY_EXPORTER_FLAGS_H */
