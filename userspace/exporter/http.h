/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter's HTTP server (libmicrohttpd, one internal thread):
 *   GET|HEAD <telemetry path>  the exposition, format by Accept, gzip by
 *                              Accept-Encoding
 *   GET|HEAD /                 a small page linking to it
 *   other methods on those     405, with Allow: GET, HEAD
 *   any other path             404
 * With a web config: TLS, client certificates (a client that fails
 * client_auth_type is disconnected), basic authentication (401 with
 * WWW-Authenticate before anything else) and extra headers on every reply.
 */
#ifndef __PTCOPY_HTTP_H
#define __PTCOPY_HTTP_H

#include <stddef.h>
#include "exposition.h"
#include "webconfig.h"

/*
 * Produce one exposition in *body (malloc()ed, the server frees it);
 * negative errno on failure (the client then gets a 500).
 */
typedef int (*http_scrape_fn)(void *ctx, enum expo_format format, char **body, size_t *len);

struct http_config {
	int listen_fd;			/* from listen_open(); the server closes it */
	const char *telemetry_path;
	http_scrape_fn scrape;
	void *ctx;
	const struct web_config *web;	/* NULL: plain HTTP, nobody authenticated */
	unsigned int max_connections;
	unsigned int max_connections_per_ip;	/* 0: only max_connections */
	unsigned int connection_timeout_s;
};

struct http_server;

/*
 * Start serving on a thread of its own. Signals should be blocked in the
 * calling thread meanwhile, so that the new thread inherits the mask and
 * they keep going to the thread that waits for them.
 */
int http_start(struct http_server **out, const struct http_config *cfg);
void http_stop(struct http_server *s);

#endif /* __PTCOPY_HTTP_H */
