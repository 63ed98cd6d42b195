// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* RFC 9110 media ranges and codings, just what a metrics endpoint needs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "negotiate.h"

struct token {
	const char *s;
	size_t len;
};

static struct token trim(const char *s, size_t len)
{
	struct token t;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	t.s = s;
	t.len = len;
	return t;
}

static bool token_is(struct token t, const char *word)
{
	return t.len == strlen(word) && !strncasecmp(t.s, word, t.len);
}

/* The next element of a comma (or semicolon) separated list, or false at the end. */
static bool next_item(const char **pos, char sep, struct token *item)
{
	const char *s = *pos, *end;

	if (!s)
		return false;
	end = strchr(s, sep);
	*item = trim(s, end ? (size_t)(end - s) : strlen(s));
	*pos = end ? end + 1 : NULL;
	return true;
}

/*
 * The parameters a media range must carry for a format: version for the
 * text formats (matches if absent), proto and encoding for protobuf (both
 * required, as Prometheus' Go client negotiates them).
 */
struct want_params {
	const char *version;
	const char *proto;
	const char *encoding;
};

static bool param_ok(struct token val, const char *want)
{
	return want && token_is(val, want);
}

/* The q parameter of one element (default 1, 0 when out of range) and whether it fits want. */
static void parse_params(const char *p, size_t len, const struct want_params *want, double *q,
			 bool *params_ok)
{
	bool have_proto = false, have_encoding = false;
	char buf[256];
	const char *pos = buf;
	struct token param;

	*q = 1.0;
	*params_ok = true;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	while (next_item(&pos, ';', &param)) {
		const char *eq = memchr(param.s, '=', param.len);
		struct token key, val;

		if (!eq)
			continue;
		key = trim(param.s, eq - param.s);
		val = trim(eq + 1, param.len - (eq + 1 - param.s));
		if (val.len >= 2 && val.s[0] == '"' && val.s[val.len - 1] == '"') {
			val.s++;
			val.len -= 2;
		}
		if (token_is(key, "q")) {
			char num[16] = "";

			if (val.len < sizeof(num))
				memcpy(num, val.s, val.len);
			*q = strtod(num, NULL);
			if (!(*q >= 0 && *q <= 1))
				*q = 0;
		} else if (token_is(key, "version")) {
			*params_ok &= param_ok(val, want->version);
		} else if (token_is(key, "proto") && want->proto) {
			have_proto = param_ok(val, want->proto);
		} else if (token_is(key, "encoding") && want->encoding) {
			have_encoding = param_ok(val, want->encoding);
		}
	}
	if (want->proto && !(have_proto && have_encoding))
		*params_ok = false;
}

enum expo_format negotiate_format(const char *accept)
{
	enum expo_format best = EXPO_TEXT;
	const char *pos = accept;
	struct token item;
	double best_q = -1;

	while (next_item(&pos, ',', &item)) {
		const char *semi = memchr(item.s, ';', item.len);
		struct token type = trim(item.s, semi ? (size_t)(semi - item.s) : item.len);
		struct want_params want = { .version = NULL };
		enum expo_format f = EXPO_TEXT;
		bool ok, params_ok;
		double q;

		if (token_is(type, "application/vnd.google.protobuf")) {
			f = EXPO_PROTOBUF;
			want.proto = "io.prometheus.client.MetricFamily";
			want.encoding = "delimited";
			ok = true;
		} else if (token_is(type, "application/openmetrics-text")) {
			f = EXPO_OPENMETRICS;
			want.version = "1.0.0";
			ok = true;
		} else if (token_is(type, "text/plain")) {
			want.version = "0.0.4";
			ok = true;
		} else {
			ok = token_is(type, "*/*") || token_is(type, "text/*");
		}
		parse_params(semi ? semi + 1 : "", semi ? item.len - (semi + 1 - item.s) : 0,
			     &want, &q, &params_ok);
		if (ok && params_ok && q > 0 && q > best_q) {
			best = f;
			best_q = q;
		}
	}
	return best;
}

bool negotiate_gzip(const char *accept_encoding)
{
	const char *pos = accept_encoding;
	struct token item;

	while (next_item(&pos, ',', &item)) {
		const char *semi = memchr(item.s, ';', item.len);
		struct token coding = trim(item.s, semi ? (size_t)(semi - item.s) : item.len);
		struct want_params none = { .version = NULL };
		bool params_ok;
		double q;

		if (!token_is(coding, "gzip"))
			continue;
		parse_params(semi ? semi + 1 : "", semi ? item.len - (semi + 1 - item.s) : 0,
			     &none, &q, &params_ok);
		return q > 0;
	}
	return false;
}
