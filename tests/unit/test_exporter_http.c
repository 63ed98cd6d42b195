// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP server on a loopback port with a stand-in scrape:
 * routes, methods, negotiation, gzip, keep-alive, and that it keeps
 * serving after errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>
#include <cmocka.h>
#include "http.h"
#include "listen.h"

struct fake {
	int scrapes;
	bool fail;
};

static int fake_scrape(void *ctx, enum expo_format format, char **body, size_t *len)
{
	struct fake *f = ctx;
	char buf[64];

	f->scrapes++;
	if (f->fail)
		return -EIO;
	*len = snprintf(buf, sizeof(buf), "fake_total %d\n%s", f->scrapes,
			format == EXPO_OPENMETRICS ? "# EOF\n" : "");
	*body = strdup(buf);
	return 0;
}

struct server {
	struct http_server *http;
	struct fake fake;
	int port;
};

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct http_config hc = { .telemetry_path = "/m<e>trics", .scrape = fake_scrape,
				  .max_connections = 8, .max_connections_per_ip = 4,
				  .connection_timeout_s = 5 };
	char addr[64], err[256];

	hc.ctx = &s->fake;
	hc.listen_fd = listen_open("127.0.0.1:0", err, sizeof(err));
	assert_true(hc.listen_fd >= 0);
	listen_describe(hc.listen_fd, addr, sizeof(addr));
	s->port = atoi(strrchr(addr, ':') + 1);
	assert_int_equal(http_start(&s->http, &hc), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	http_stop(s->http);
	free(s);
	return 0;
}

/* Send raw, read until the server closes; returns the whole response. */
static char *exchange(const struct server *s, const char *raw, size_t *len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd;

	a.sin_port = htons(s->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(fd, raw, strlen(raw)), (ssize_t)strlen(raw));
	while ((r = read(fd, buf + n, cap - n - 1)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *request(const struct server *s, const char *method, const char *path,
		     const char *headers)
{
	char raw[1024];
	size_t len;

	snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
		 method, path, headers);
	return exchange(s, raw, &len);
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

static void test_metrics(void **state)
{
	struct server *s = *state;
	char *r;

	r = request(s, "GET", "/m<e>trics", "");
	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_string_equal(body_of(r), "fake_total 1\n");
	free(r);

	r = request(s, "GET", "/m<e>trics?debug=1",
		    "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n");
	assert_non_null(strstr(r, "\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
	assert_string_equal(body_of(r), "fake_total 2\n# EOF\n");
	free(r);

	/* HEAD: the headers of a GET, no body */
	r = request(s, "HEAD", "/m<e>trics", "");
	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	assert_non_null(strstr(r, "\r\nContent-Length: 13\r\n"));
	assert_string_equal(body_of(r), "");
	free(r);
	assert_int_equal(s->fake.scrapes, 3);
}

static void test_gzip(void **state)
{
	struct server *s = *state;
	char out[256];
	const char *body;
	z_stream z = {};
	char *r, *len_hdr;
	size_t zlen;

	r = request(s, "GET", "/m<e>trics", "Accept-Encoding: gzip\r\n");
	assert_non_null(strstr(r, "\r\nContent-Encoding: gzip\r\n"));
	len_hdr = strstr(r, "\r\nContent-Length: ");
	assert_non_null(len_hdr);
	zlen = strtoul(len_hdr + 18, NULL, 10);
	body = body_of(r);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)body;
	z.avail_in = zlen;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out) - 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	out[z.total_out] = '\0';
	inflateEnd(&z);
	assert_string_equal(out, "fake_total 1\n");
	free(r);
}

/* Wrong paths 404, wrong methods 405 (with Allow), and serving goes on. */
static void test_errors(void **state)
{
	static const struct {
		const char *method, *path, *status;
	} cases[] = {
		{ "GET", "/nope", "HTTP/1.1 404 " },
		{ "GET", "/m<e>trics/", "HTTP/1.1 404 " },
		{ "POST", "/nope", "HTTP/1.1 404 " },
		{ "POST", "/m<e>trics", "HTTP/1.1 405 " },
		{ "PUT", "/", "HTTP/1.1 405 " },
		{ "DELETE", "/m<e>trics", "HTTP/1.1 405 " },
		{ "OPTIONS", "/m<e>trics", "HTTP/1.1 405 " },
	};
	struct server *s = *state;
	size_t i, len;
	char *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = request(s, cases[i].method, cases[i].path, "");
		if (strncmp(r, cases[i].status, strlen(cases[i].status)))
			fail_msg("%s %s: %.40s", cases[i].method, cases[i].path, r);
		if (cases[i].status[9] == '4' && cases[i].status[11] == '5')
			assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
		free(r);
	}
	/* a POST with a body it never reads */
	r = exchange(s, "POST /m<e>trics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		     &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 405 ", 13), 0);
	free(r);
	assert_int_equal(s->fake.scrapes, 0);

	r = request(s, "GET", "/m<e>trics", "");
	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	free(r);

	/* A failing scrape is a 500; the next one works again. */
	s->fake.fail = true;
	r = request(s, "GET", "/m<e>trics", "");
	assert_int_equal(strncmp(r, "HTTP/1.1 500 ", 13), 0);
	free(r);
	s->fake.fail = false;
	r = request(s, "GET", "/m<e>trics", "");
	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	free(r);
}

/* The index page links to the telemetry path, HTML-escaped. */
static void test_index(void **state)
{
	struct server *s = *state;
	char *r = request(s, "GET", "/", "");

	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	assert_non_null(strstr(r, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
	assert_non_null(strstr(body_of(r), "<a href=\"/m&lt;e&gt;trics\">"));
	free(r);
}

/* Two requests on one connection: a scrape connection is kept alive. */
static void test_keep_alive(void **state)
{
	struct server *s = *state;
	const char *second;
	size_t len;
	char *r;

	r = exchange(s, "GET /m<e>trics HTTP/1.1\r\nHost: x\r\n\r\n"
			"GET /m<e>trics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	second = strstr(r + 1, "HTTP/1.1 200 ");
	assert_non_null(second);
	assert_non_null(strstr(second, "fake_total 2\n"));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
