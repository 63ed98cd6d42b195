// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "progstats.h"
#include "scrape.h"

int scraper_init(struct scraper *sc, struct session *s, struct metrics *m, bool prog_stats)
{
	int err;

	memset(sc, 0, sizeof(*sc));
	sc->session = s;
	sc->metrics = m;
	sc->nprogs = session_programs(s, &sc->progs);
	if (prog_stats) {
		sc->prog_stats = calloc(sc->nprogs + 1, sizeof(*sc->prog_stats));
		if (!sc->prog_stats)
			return -ENOMEM;
	}
	err = pthread_mutex_init(&sc->lock, NULL);
	if (err) {
		free(sc->prog_stats);
		sc->prog_stats = NULL;
	}
	return -err;
}

void scraper_fini(struct scraper *sc)
{
	pthread_mutex_destroy(&sc->lock);
	free(sc->prog_stats);
}

static int scrape_locked(struct scraper *sc, enum expo_format format, char **body, size_t *len)
{
	struct snapshot snap;
	struct expo e;
	int nstats = 0, err;

	err = session_read(sc->session, &snap);
	if (err) {
		pr_err("reading the BPF maps failed: %s", strerror(-err));
		return err;
	}
	if (sc->prog_stats) {
		nstats = progstats_read(sc->progs, sc->nprogs, sc->prog_stats);
		if (nstats < 0) {
			err = nstats;
			pr_err("reading the BPF programs' run statistics failed: %s",
			       strerror(-err));
			goto out;
		}
	}
	/* the last size of this format and some room: one allocation, no copies */
	expo_init(&e, format, sc->last_len[format] + sc->last_len[format] / 8);
	err = metrics_render(sc->metrics, &snap, sc->prog_stats, nstats, &e);
	if (!err) {
		*body = expo_take(&e, len);
		if (!*body)
			err = -ENOMEM;
		else
			sc->last_len[format] = *len;
	} else {
		expo_release(&e);
	}
out:
	snapshot_free(&snap);
	return err;
}

int scraper_scrape(void *ctx, enum expo_format format, char **body, size_t *len)
{
	struct scraper *sc = ctx;
	int err;

	pthread_mutex_lock(&sc->lock);
	err = scrape_locked(sc, format, body, len);
	pthread_mutex_unlock(&sc->lock);
	return err;
}
