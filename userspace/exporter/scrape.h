/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One scrape: read the maps (never reset: counters only grow) and the
 * programs' run statistics, and render them. Scrapes are serialized:
 * metrics_render() keeps state, and reading maps from the HTTP thread while
 * the main thread drains the ring buffer is safe (map reads are syscalls on
 * fds; the ring buffer stays on the main thread).
 */
#ifndef __PTCOPY_SCRAPE_H
#define __PTCOPY_SCRAPE_H

#include <pthread.h>
#include <stdbool.h>
#include "exposition.h"
#include "metrics.h"
#include "session.h"

struct scraper {
	pthread_mutex_t lock;
	struct session *session;
	struct metrics *metrics;
	const struct prog_info *progs;
	size_t nprogs;
	struct prog_stat *prog_stats;	/* NULL: BPF statistics not enabled */
	size_t last_len[EXPO_FORMATS];	/* the last exposition of each format */
};

int scraper_init(struct scraper *sc, struct session *s, struct metrics *m, bool prog_stats);
void scraper_fini(struct scraper *sc);
/* An http_scrape_fn; ctx is the struct scraper. */
int scraper_scrape(void *ctx, enum expo_format format, char **body, size_t *len);

#endif /* __PTCOPY_SCRAPE_H */
