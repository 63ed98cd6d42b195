// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include <zlib.h>
#include "http.h"
#include "log.h"
#include "negotiate.h"

/* Prometheus' default scrape timeout is 10 s; idle keep-alives go after 30 s. */
#define CONN_TIMEOUT_S	30
#define CONN_LIMIT	64

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_config cfg;
	char *index_page;
	size_t index_len;
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	pr_debug("http: %s", buf);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *encoding)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (encoding)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status,
				  const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
		     MHD_RESPMEM_PERSISTENT, NULL);
}

/* gzip (RFC 1952) of in; NULL if out of memory. */
static char *gzip(const char *in, size_t len, size_t *outlen)
{
	z_stream z = {};
	char *out;
	size_t cap;

	/* 15 + 16: a zlib window of 32 KiB with a gzip header and trailer */
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, len);
	out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = (Bytef *)out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum expo_format format = negotiate_format(accept);
	char *body = NULL, *zipped;
	size_t len = 0, zlen;
	int err;

	err = s->cfg.scrape(s->cfg.ctx, format, &body, &len);
	if (err) {
		pr_warn("scrape failed: %s", strerror(-err));
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "scrape failed, see the exporter's log\n");
	}
	if (negotiate_gzip(enc)) {
		zipped = gzip(body, len, &zlen);
		if (zipped) {
			free(body);
			return reply(c, MHD_HTTP_OK, expo_content_type(format), zipped, zlen,
				     MHD_RESPMEM_MUST_FREE, "gzip");
		}
	}
	return reply(c, MHD_HTTP_OK, expo_content_type(format), body, len,
		     MHD_RESPMEM_MUST_FREE, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **req)
{
	static int headers_seen;
	struct http_server *s = cls;
	bool metrics = !strcmp(url, s->cfg.telemetry_path);

	(void)version;
	(void)upload_data;
	/*
	 * Errors are answered on the first call, before any request body is
	 * read: MHD discards the body and closes the connection after them.
	 */
	if (!metrics && strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "404 page not found\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n");
	/*
	 * A reply queued before the request is complete also closes the
	 * connection; Prometheus keeps its scrape connection alive, so the
	 * answer waits for the call after the (empty) body.
	 */
	if (!*req) {
		*req = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (metrics)
		return serve_metrics(s, c);
	return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", s->index_page, s->index_len,
		     MHD_RESPMEM_PERSISTENT, NULL);
}

/* The telemetry path is the operator's: it is HTML-escaped into the page. */
static char *make_index(const char *path, size_t *len)
{
	static const char head[] =
		"<!DOCTYPE html>\n<html>\n<head><title>ptcopy exporter</title></head>\n"
		"<body>\n<h1>ptcopy exporter</h1>\n"
		"<p>Prometheus metrics of the kernel's fork-time page-table copy "
		"(copy_pte_range).</p>\n<p><a href=\"";
	static const char tail[] = "\">Metrics</a></p>\n</body>\n</html>\n";
	char *page = malloc(sizeof(head) + 6 * strlen(path) + sizeof(tail)), *p;

	if (!page)
		return NULL;
	p = stpcpy(page, head);
	for (; *path; path++) {
		switch (*path) {
		case '&':
			p = stpcpy(p, "&amp;");
			break;
		case '<':
			p = stpcpy(p, "&lt;");
			break;
		case '>':
			p = stpcpy(p, "&gt;");
			break;
		case '"':
			p = stpcpy(p, "&quot;");
			break;
		case '\'':
			p = stpcpy(p, "&#39;");
			break;
		default:
			*p++ = *path;
		}
	}
	p = stpcpy(p, tail);
	*len = p - page;
	return page;
}

int http_start(struct http_server **out, const struct http_config *cfg)
{
	struct http_server *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(cfg->listen_fd);
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->index_page = make_index(cfg->telemetry_path, &s->index_len);
	if (!s->index_page) {
		close(cfg->listen_fd);
		free(s);
		return -ENOMEM;
	}
	s->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
				     NULL, NULL, handle, s,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)cfg->listen_fd,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
				     MHD_OPTION_END);
	if (!s->daemon) {
		pr_err("starting the HTTP server failed");
		close(cfg->listen_fd);
		free(s->index_page);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	/* Closes the listening socket and every connection, joins the thread. */
	MHD_stop_daemon(s->daemon);
	free(s->index_page);
	free(s);
}
