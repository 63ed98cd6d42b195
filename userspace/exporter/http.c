// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include <zlib.h>
#include "basicauth.h"
#include "http.h"
#include "log.h"
#include "negotiate.h"
#include "webtls.h"

#define MAX_OPTIONS	16

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_config cfg;
	struct basicauth *auth;	/* NULL: no basic_auth_users */
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

/* http_server_config.headers go on every response, errors included. */
static void add_headers(const struct http_server *s, struct MHD_Response *r)
{
	size_t i;

	if (!s->cfg.web)
		return;
	for (i = 0; i < s->cfg.web->nheaders; i++)
		MHD_add_response_header(r, s->cfg.web->headers[i].name, s->cfg.web->headers[i].value);
}

static enum MHD_Result reply(const struct http_server *s, struct MHD_Connection *c,
			     unsigned int status, const char *type, void *body, size_t len,
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
	add_headers(s, r);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(const struct http_server *s, struct MHD_Connection *c,
				  unsigned int status, const char *text)
{
	return reply(s, c, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
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
		return reply_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "scrape failed, see the exporter's log\n");
	}
	if (negotiate_gzip(enc)) {
		zipped = gzip(body, len, &zlen);
		if (zipped) {
			free(body);
			return reply(s, c, MHD_HTTP_OK, expo_content_type(format), zipped, zlen,
				     MHD_RESPMEM_MUST_FREE, "gzip");
		}
	}
	return reply(s, c, MHD_HTTP_OK, expo_content_type(format), body, len,
		     MHD_RESPMEM_MUST_FREE, NULL);
}

/*
 * RFC 9112 5.1: no whitespace between a field name and its colon (a
 * request smuggling vector through proxies), names are tokens; and no NUL
 * byte in a value, which would cut it short as a C string. libmicrohttpd
 * 0.9.75 lets bad names through, and cuts a value at a NUL itself (the
 * check holds should it stop doing so). *cls is cleared at the first bad
 * one.
 */
static enum MHD_Result header_ok(void *cls, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	static const char token_chars[] = "!#$%&'*+-.^_`|~";
	bool *ok = cls;
	size_t i;

	(void)kind;
	*ok = false;
	if (!key_size)
		return MHD_NO;
	for (i = 0; i < key_size; i++) {
		unsigned char ch = key[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || (ch && strchr(token_chars, ch))))
			return MHD_NO;
	}
	if (value && memchr(value, '\0', value_size))
		return MHD_NO;
	*ok = true;
	return MHD_YES;
}

static bool headers_ok(struct MHD_Connection *c)
{
	bool ok = true;

	MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_ok, &ok);
	return ok;
}

/* 401 with WWW-Authenticate: Basic, as exporter-toolkit answers. */
static enum MHD_Result unauthorized(const struct http_server *s, struct MHD_Connection *c)
{
	static const char text[] = "Unauthorized\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	add_headers(s, r);
	ret = MHD_queue_basic_auth_fail_response(c, "ptcopy_exporter", r);
	MHD_destroy_response(r);
	return ret;
}

static bool authorized(struct http_server *s, struct MHD_Connection *c)
{
	char *user, *password = NULL;
	bool ok;

	user = MHD_basic_auth_get_username_password(c, &password);
	ok = basicauth_check(s->auth, user, password);
	if (password) {
		explicit_bzero(password, strlen(password));
		MHD_free(password);
	}
	if (user)
		MHD_free(user);
	return ok;
}

/* client_auth_type, checked on every request: a refused client is disconnected. */
static bool client_cert_ok(const struct http_server *s, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const char *why = "";

	if (!s->cfg.web || !s->cfg.web->tls)
		return true;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (webtls_client_ok(s->cfg.web, ci ? ci->tls_session : NULL, &why))
		return true;
	pr_debug("http: refusing a client: %s", why);
	return false;
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
	 * Authentication comes first, for every path, as in exporter-toolkit.
	 */
	if (!*req) {
		if (!client_cert_ok(s, c))
			return MHD_NO;
		if (!headers_ok(c))
			return reply_text(s, c, MHD_HTTP_BAD_REQUEST, "400 bad request\n");
		if (s->auth && !authorized(s, c))
			return unauthorized(s, c);
	}
	if (!metrics && strcmp(url, "/"))
		return reply_text(s, c, MHD_HTTP_NOT_FOUND, "404 page not found\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n");
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
	return reply(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", s->index_page, s->index_len,
		     MHD_RESPMEM_PERSISTENT, NULL);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * libmicrohttpd's own unescaping turns %00 into a NUL byte, which ends the
 * path as a C string: "/metrics%00.txt" would be served as "/metrics".
 * This one decodes %HH except %00, which stays as written (and matches no
 * path: a 404).
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *in = s, *out = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*in) {
		hi = in[0] == '%' ? hex_digit(in[1]) : -1;
		lo = hi >= 0 ? hex_digit(in[2]) : -1;
		if (lo >= 0 && (hi || lo)) {
			*out++ = (char)(hi << 4 | lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return out - s;
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

static void free_server(struct http_server *s)
{
	basicauth_free(s->auth);
	free(s->index_page);
	free(s);
}

int http_start(struct http_server **out, const struct http_config *cfg)
{
	const struct web_config *web = cfg->web;
	struct MHD_OptionItem opts[MAX_OPTIONS];
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct http_server *s;
	int n = 0;

	*out = NULL;
	/* MHD would accept none, or keep an idle connection for ever. */
	if (!cfg->max_connections || !cfg->connection_timeout_s) {
		close(cfg->listen_fd);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(cfg->listen_fd);
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->index_page = make_index(cfg->telemetry_path, &s->index_len);
	if (web && web->nusers)
		s->auth = basicauth_new(web->users, web->nusers);
	if (!s->index_page || (web && web->nusers && !s->auth)) {
		close(cfg->listen_fd);
		free_server(s);
		return -ENOMEM;
	}
	/*
	 * In an option array, integers and the first of two pointers go in
	 * value, a single pointer in ptr_value.
	 */
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL);
	OPT(MHD_OPTION_LISTEN_SOCKET, cfg->listen_fd, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL);
	/*
	 * Strict: HTTP/1.1 without Host, and spaces in header names, are 400s.
	 * Prometheus and every HTTP client send well-formed requests.
	 */
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL);
	if (cfg->max_connections_per_ip)
		OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip, NULL);
	if (web && web->tls) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, web->cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, web->key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, web->priorities);
		if (web->client_ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, web->client_ca_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
				     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->daemon) {
		pr_err("starting the HTTP server failed");
		close(cfg->listen_fd);
		free_server(s);
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
	free_server(s);
}
