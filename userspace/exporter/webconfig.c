// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <yaml.h>
#include "webconfig.h"

/* Far above any real web config, certificate or CA bundle. */
#define MAX_FILE_BYTES	(4 << 20)

/*
 * Go's crypto/tls names of the TLS <= 1.2 suites, with the GnuTLS priority
 * tokens (key exchange, cipher, MAC) that enable them. The names of the
 * TLS 1.3 suites are accepted and ignored, as Go ignores them.
 */
static const struct cipher_suite {
	const char *name;
	unsigned short id;
	const char *kx, *cipher, *mac;
} cipher_suites[] = {
	{ "TLS_RSA_WITH_RC4_128_SHA", 0x0005, "RSA", "ARCFOUR-128", "SHA1" },
	{ "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000a, "RSA", "3DES-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", 0x002f, "RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003c, "RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009c, "RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, "RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xc007, "ECDHE-ECDSA", "ARCFOUR-128", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009, "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a, "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xc011, "ECDHE-RSA", "ARCFOUR-128", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xc012, "ECDHE-RSA", "3DES-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013, "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014, "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xc023, "ECDHE-ECDSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xc027, "ECDHE-RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	/* Go's older names of the ChaCha20 suites */
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", 0xcca8, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", 0xcca9, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	/* TLS 1.3: not configurable (id 0: ignored) */
	{ "TLS_AES_128_GCM_SHA256", 0, NULL, NULL, NULL },
	{ "TLS_AES_256_GCM_SHA384", 0, NULL, NULL, NULL },
	{ "TLS_CHACHA20_POLY1305_SHA256", 0, NULL, NULL, NULL },
};

static const struct {
	const char *name, *group;
} curves[] = {
	{ "CurveP256", "GROUP-SECP256R1" },
	{ "CurveP384", "GROUP-SECP384R1" },
	{ "CurveP521", "GROUP-SECP521R1" },
	{ "X25519", "GROUP-X25519" },
};

static const char *const client_auth_names[] = {
	[WEB_NO_CLIENT_CERT] = "NoClientCert",
	[WEB_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEB_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEB_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEB_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

/* exporter-toolkit's list: only these, some only with these values. */
static const struct {
	const char *name;
	const char *const values[3];
} allowed_headers[WEB_MAX_HEADERS] = {
	{ "Strict-Transport-Security", {} },
	{ "X-Content-Type-Options", { "nosniff" } },
	{ "X-Frame-Options", { "deny", "sameorigin" } },
	{ "X-XSS-Protection", {} },
	{ "Content-Security-Policy", {} },
};

unsigned short web_cipher_suite_id(const char *go_name)
{
	size_t i;

	for (i = 0; i < sizeof(cipher_suites) / sizeof(cipher_suites[0]); i++)
		if (!strcmp(cipher_suites[i].name, go_name))
			return cipher_suites[i].id;
	return 0;
}

const char *web_cipher_suite_name(unsigned short id)
{
	size_t i;

	for (i = 0; i < sizeof(cipher_suites) / sizeof(cipher_suites[0]); i++)
		if (cipher_suites[i].id == id)
			return cipher_suites[i].name;
	return NULL;
}

const char *web_client_auth_name(enum web_client_auth a)
{
	return client_auth_names[a];
}

struct parse {
	yaml_document_t doc;
	struct web_config *c;
	const char *dir;
	char *err;
	size_t errlen;
	/* what the tls_server_config section said, checked together at its end */
	bool have_client_auth, prefer_server;
	const char *curve_groups[4];
	size_t ncurves;
};

static int fail(struct parse *p, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse *p, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(p->err, p->errlen, "line %zu: %s: %s", n->start_mark.line + 1, key, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", key, msg);
	return -EINVAL;
}

/* YAML's null: an empty plain scalar, ~ or null (a section given no keys). */
static bool is_null(const yaml_node_t *n)
{
	const char *v = NULL;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* A scalar's text; NUL bytes inside it are refused (they would cut it short). */
static int scalar(struct parse *p, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(p, n, key, "expected a string");
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return fail(p, n, key, "contains a NUL byte");
	*out = (const char *)n->data.scalar.value;
	return 0;
}

/* YAML 1.1 booleans, as Go's yaml.v2 reads them. */
static int boolean(struct parse *p, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *v = NULL;
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(p, n, key, "expected true or false");
	v = (const char *)n->data.scalar.value;
	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(p, n, key, "expected true or false, not '%.64s'", v);
}

static yaml_node_t *node(struct parse *p, int id)
{
	return yaml_document_get_node(&p->doc, id);
}

/*
 * Walk a mapping: call each(p, key, value) per pair; duplicate keys are
 * refused. A null value stands for an empty mapping.
 */
typedef int (*pair_fn)(struct parse *p, const char *key, yaml_node_t *value);

static int mapping(struct parse *p, yaml_node_t *m, const char *what, pair_fn each)
{
	yaml_node_pair_t *pair, *prev;
	yaml_node_t *k, *v, *pk;
	const char *key;
	int err;

	if (is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(p, m, what, "expected a mapping of keys to values");
	for (pair = m->data.mapping.pairs.start; pair < m->data.mapping.pairs.top; pair++) {
		k = node(p, pair->key);
		v = node(p, pair->value);
		if (!k || !v)
			return fail(p, m, what, "broken YAML document");
		err = scalar(p, k, what, &key);
		if (err)
			return err;
		for (prev = m->data.mapping.pairs.start; prev < pair; prev++) {
			pk = node(p, prev->key);
			if (pk && pk->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)pk->data.scalar.value, key))
				return fail(p, k, what, "key '%.64s' given twice", key);
		}
		err = each(p, key, v);
		if (err)
			return err;
	}
	return 0;
}

/* A path from the file, resolved against its directory as exporter-toolkit does. */
static int path(struct parse *p, yaml_node_t *n, const char *key, char **out)
{
	const char *v = NULL;
	int err;

	err = scalar(p, n, key, &v);
	if (err)
		return err;
	free(*out);
	*out = NULL;
	if (!v[0])
		return 0;
	if (v[0] == '/' || !p->dir)
		*out = strdup(v);
	else if (asprintf(out, "%s/%s", p->dir, v) < 0)
		*out = NULL;
	return *out ? 0 : -ENOMEM;
}

static int tls_version(struct parse *p, yaml_node_t *n, const char *key, int *out)
{
	const char *v = NULL;
	int err;

	err = scalar(p, n, key, &v);
	if (err)
		return err;
	if (strlen(v) == 5 && !strncmp(v, "TLS1", 4) && v[4] >= '0' && v[4] <= '3') {
		*out = 10 + v[4] - '0';
		return 0;
	}
	return fail(p, n, key, "unknown TLS version '%.64s' (expected TLS10, TLS11, TLS12 or TLS13)",
		    v);
}

/*
 * Hand each name of the list n (a YAML sequence of scalars; null is an
 * empty list) to add(), which looks it up in its table; the first error
 * ends the walk.
 */
static int name_list(struct parse *p, yaml_node_t *n, const char *key,
		     int (*add)(struct parse *p, yaml_node_t *item, const char *key,
				const char *name))
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *name;
	int err;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, key, "expected a list");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = node(p, *it);
		if (!item)
			return fail(p, n, key, "broken YAML document");
		err = scalar(p, item, key, &name);
		if (!err)
			err = add(p, item, key, name);
		if (err)
			return err;
	}
	return 0;
}

static int cipher_suite_add(struct parse *p, yaml_node_t *item, const char *key,
			    const char *name)
{
	struct web_config *c = p->c;
	size_t i, j;

	for (i = 0; i < sizeof(cipher_suites) / sizeof(cipher_suites[0]); i++)
		if (!strcmp(cipher_suites[i].name, name))
			break;
	if (i == sizeof(cipher_suites) / sizeof(cipher_suites[0]))
		return fail(p, item, key, "unknown cipher suite '%.80s'", name);
	/* A TLS 1.3 suite is accepted and ignored: Go does not configure them */
	if (!cipher_suites[i].id)
		return 0;
	for (j = 0; j < c->ncipher_suites; j++)
		if (c->cipher_suites[j] == cipher_suites[i].id)
			return 0;
	if (c->ncipher_suites == WEB_MAX_CIPHER_SUITES)
		return fail(p, item, key, "more than %d cipher suites", WEB_MAX_CIPHER_SUITES);
	c->cipher_suites[c->ncipher_suites++] = cipher_suites[i].id;
	return 0;
}

static int cipher_suite_list(struct parse *p, yaml_node_t *n)
{
	static const char key[] = "tls_server_config.cipher_suites";
	int err;

	p->c->ncipher_suites = 0;
	err = name_list(p, n, key, cipher_suite_add);
	if (err)
		return err;
	if (!p->c->ncipher_suites && !is_null(n) &&
	    n->data.sequence.items.top > n->data.sequence.items.start)
		return fail(p, n, key, "only TLS 1.3 suites, which are not configurable: leave the list out");
	return 0;
}

static int curve_add(struct parse *p, yaml_node_t *item, const char *key, const char *name)
{
	size_t i, j;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (!strcmp(curves[i].name, name))
			break;
	if (i == sizeof(curves) / sizeof(curves[0]))
		return fail(p, item, key,
			    "unknown curve '%.64s' (expected CurveP256, CurveP384, CurveP521 or X25519)",
			    name);
	for (j = 0; j < p->ncurves; j++)
		if (p->curve_groups[j] == curves[i].group)
			return 0;
	p->curve_groups[p->ncurves++] = curves[i].group;
	return 0;
}

static int curve_list(struct parse *p, yaml_node_t *n)
{
	p->ncurves = 0;
	return name_list(p, n, "tls_server_config.curve_preferences", curve_add);
}

static int tls_pair(struct parse *p, const char *key, yaml_node_t *v)
{
	struct web_config *c = p->c;
	const char *s;
	size_t i;
	int err;

	if (!strcmp(key, "cert_file"))
		return path(p, v, "tls_server_config.cert_file", &c->cert_file);
	if (!strcmp(key, "key_file"))
		return path(p, v, "tls_server_config.key_file", &c->key_file);
	if (!strcmp(key, "client_ca_file"))
		return path(p, v, "tls_server_config.client_ca_file", &c->client_ca_file);
	if (!strcmp(key, "client_auth_type")) {
		err = scalar(p, v, "tls_server_config.client_auth_type", &s);
		if (err)
			return err;
		/* exporter-toolkit's older name of RequireAnyClientCert, and "" */
		if (!strcmp(s, "RequireClientCert"))
			s = "RequireAnyClientCert";
		if (!s[0])
			s = "NoClientCert";
		for (i = 0; i < sizeof(client_auth_names) / sizeof(client_auth_names[0]); i++)
			if (!strcmp(s, client_auth_names[i]))
				break;
		if (i == sizeof(client_auth_names) / sizeof(client_auth_names[0]))
			return fail(p, v, "tls_server_config.client_auth_type",
				    "unknown value '%.64s' (expected NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)",
				    s);
		c->client_auth = i;
		p->have_client_auth = i != WEB_NO_CLIENT_CERT;
		return 0;
	}
	if (!strcmp(key, "min_version"))
		return tls_version(p, v, "tls_server_config.min_version", &c->min_version);
	if (!strcmp(key, "max_version"))
		return tls_version(p, v, "tls_server_config.max_version", &c->max_version);
	if (!strcmp(key, "cipher_suites"))
		return cipher_suite_list(p, v);
	if (!strcmp(key, "curve_preferences"))
		return curve_list(p, v);
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return boolean(p, v, "tls_server_config.prefer_server_cipher_suites",
			       &p->prefer_server);
	return fail(p, v, "tls_server_config", "unknown key '%.64s'", key);
}

static int header_pair(struct parse *p, const char *key, yaml_node_t *v)
{
	struct web_config *c = p->c;
	const char *value;
	size_t i, j;
	int err;

	for (i = 0; i < WEB_MAX_HEADERS; i++)
		if (!strcmp(key, allowed_headers[i].name))
			break;
	if (i == WEB_MAX_HEADERS)
		return fail(p, v, "http_server_config.headers",
			    "HTTP header '%.64s' cannot be configured (only Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
			    key);
	err = scalar(p, v, "http_server_config.headers", &value);
	if (err)
		return err;
	/* A value is sent on one header line: no line breaks in it. */
	if (strpbrk(value, "\r\n"))
		return fail(p, v, "http_server_config.headers", "the value of %s has a line break",
			    key);
	if (allowed_headers[i].values[0]) {
		for (j = 0; j < 3 && allowed_headers[i].values[j]; j++)
			if (!strcmp(value, allowed_headers[i].values[j]))
				break;
		if (j == 3 || !allowed_headers[i].values[j])
			return fail(p, v, "http_server_config.headers",
				    "invalid value '%.64s' for %s (expected %s%s%s)", value, key,
				    allowed_headers[i].values[0],
				    allowed_headers[i].values[1] ? " or " : "",
				    allowed_headers[i].values[1] ? allowed_headers[i].values[1] : "");
	}
	c->headers[c->nheaders].name = strdup(key);
	c->headers[c->nheaders].value = strdup(value);
	c->nheaders++;
	if (!c->headers[c->nheaders - 1].name || !c->headers[c->nheaders - 1].value)
		return -ENOMEM;
	return 0;
}

static int http_pair(struct parse *p, const char *key, yaml_node_t *v)
{
	bool http2;

	if (!strcmp(key, "headers"))
		return mapping(p, v, "http_server_config.headers", header_pair);
	/* HTTP/2 is not offered (libmicrohttpd speaks HTTP/1.1); clients fall back. */
	if (!strcmp(key, "http2"))
		return boolean(p, v, "http_server_config.http2", &http2);
	return fail(p, v, "http_server_config", "unknown key '%.64s'", key);
}

/* bcrypt, the only scheme exporter-toolkit accepts: $2a$, $2b$ or $2y$, cost, 53 characters. */
static bool is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) &&
	       h[3] == '$' && crypt_checksalt(h) == CRYPT_SALT_OK;
}

static int user_pair(struct parse *p, const char *key, yaml_node_t *v)
{
	struct web_config *c = p->c;
	struct web_user *u;
	const char *hash;
	int err;

	err = scalar(p, v, "basic_auth_users", &hash);
	if (err)
		return err;
	if (!is_bcrypt(hash))
		return fail(p, v, "basic_auth_users",
			    "the password of user '%.64s' is not a bcrypt hash ($2b$..., e.g. from htpasswd -nbBC 10)",
			    key);
	/* RFC 7617: the user name ends at the first colon. */
	if (strchr(key, ':'))
		return fail(p, v, "basic_auth_users", "user name '%.64s' contains a colon", key);
	if (c->nusers == WEB_MAX_USERS)
		return fail(p, v, "basic_auth_users", "more than %d users", WEB_MAX_USERS);
	u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	c->users = u;
	u[c->nusers].name = strdup(key);
	u[c->nusers].hash = strdup(hash);
	c->nusers++;
	if (!u[c->nusers - 1].name || !u[c->nusers - 1].hash)
		return -ENOMEM;
	return 0;
}

static int top_pair(struct parse *p, const char *key, yaml_node_t *v)
{
	if (!strcmp(key, "tls_server_config"))
		return mapping(p, v, "tls_server_config", tls_pair);
	if (!strcmp(key, "http_server_config"))
		return mapping(p, v, "http_server_config", http_pair);
	if (!strcmp(key, "basic_auth_users"))
		return mapping(p, v, "basic_auth_users", user_pair);
	return fail(p, v, "web config", "unknown key '%.64s'", key);
}

static int append(char **s, size_t *len, size_t cap, const char *tok)
{
	size_t n = strlen(tok);

	if (*len + n + 2 > cap)
		return -ENOMEM;
	if (*len)
		(*s)[(*len)++] = ':';
	memcpy(*s + *len, tok, n + 1);
	*len += n;
	return 0;
}

/*
 * GnuTLS priorities for what the section asked. Suites are enabled by
 * their parts (key exchange, cipher, MAC), so the parts of the suites
 * listed may combine into more suites than listed; the server checks the
 * resulting list against the one asked for and refuses a mismatch
 * (http_tls_check()).
 */
static int build_priorities(struct parse *p)
{
	static const char *const tls13_ciphers[] = { "+AES-128-GCM", "+AES-256-GCM",
						     "+CHACHA20-POLY1305", "+AES-128-CCM" };
	struct web_config *c = p->c;
	const char *seen[3][WEB_MAX_CIPHER_SUITES];
	size_t nseen[3] = {}, len = 0, cap = 1024, i, j, k;
	const struct cipher_suite *cs;
	char tok[64];
	int v, err = 0;

	c->priorities = malloc(cap);
	if (!c->priorities)
		return -ENOMEM;
	c->priorities[0] = '\0';
	err = append(&c->priorities, &len, cap, "NORMAL:-VERS-ALL");
	for (v = c->min_version; v <= c->max_version && !err; v++) {
		snprintf(tok, sizeof(tok), "+VERS-TLS1.%d", v - 10);
		err = append(&c->priorities, &len, cap, tok);
	}
	if (c->ncipher_suites && !err) {
		err = append(&c->priorities, &len, cap, "-KX-ALL:-CIPHER-ALL:-MAC-ALL");
		for (i = 0; i < c->ncipher_suites; i++) {
			for (cs = cipher_suites; cs->id != c->cipher_suites[i]; cs++)
				;
			const char *parts[3] = { cs->kx, cs->cipher, cs->mac };

			for (k = 0; k < 3; k++) {
				for (j = 0; j < nseen[k] && strcmp(seen[k][j], parts[k]); j++)
					;
				if (j < nseen[k])
					continue;
				seen[k][nseen[k]++] = parts[k];
				snprintf(tok, sizeof(tok), "+%s", parts[k]);
				err = err ?: append(&c->priorities, &len, cap, tok);
			}
		}
		/* TLS 1.3's suites, which Go keeps whatever the list says */
		if (c->max_version == 13) {
			for (i = 0; i < 4; i++)
				err = err ?: append(&c->priorities, &len, cap, tls13_ciphers[i]);
			err = err ?: append(&c->priorities, &len, cap, "+AEAD");
		}
	}
	if (p->ncurves && !err) {
		err = append(&c->priorities, &len, cap, "-GROUP-ALL");
		for (i = 0; i < p->ncurves; i++) {
			snprintf(tok, sizeof(tok), "+%s", p->curve_groups[i]);
			err = err ?: append(&c->priorities, &len, cap, tok);
		}
	}
	if (p->prefer_server && !err)
		err = append(&c->priorities, &len, cap, "%SERVER_PRECEDENCE");
	return err;
}

/* The tls_server_config section as a whole, as exporter-toolkit checks it. */
static int check_tls(struct parse *p)
{
	static const char key[] = "tls_server_config";
	struct web_config *c = p->c;

	c->tls = c->cert_file || c->key_file || c->client_ca_file || p->have_client_auth;
	if (!c->tls)
		return 0;
	if (!c->cert_file)
		return fail(p, NULL, key, "missing cert_file");
	if (!c->key_file)
		return fail(p, NULL, key, "missing key_file");
	if (c->client_ca_file && c->client_auth == WEB_NO_CLIENT_CERT)
		return fail(p, NULL, key,
			    "client_ca_file is set but client_auth_type is NoClientCert: set the policy");
	/*
	 * libmicrohttpd asks GnuTLS to request a client certificate only when
	 * it has CAs to trust; without them no policy can be honoured.
	 */
	if (c->client_auth != WEB_NO_CLIENT_CERT && !c->client_ca_file)
		return fail(p, NULL, key, "client_auth_type %s needs client_ca_file here",
			    client_auth_names[c->client_auth]);
	if (c->max_version < c->min_version)
		return fail(p, NULL, key, "max_version TLS1%d is below min_version TLS1%d",
			    c->max_version - 10, c->min_version - 10);
	if (c->ncipher_suites && c->min_version == 13)
		return fail(p, NULL, key, "cipher_suites apply to TLS 1.2 and below, but min_version is TLS13");
	return build_priorities(p);
}

static void free_fields(struct web_config *c)
{
	size_t i;

	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	free(c->cert_pem);
	free(c->key_pem);
	free(c->client_ca_pem);
	free(c->priorities);
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	for (i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
}

void web_config_free(struct web_config *c)
{
	if (!c)
		return;
	free_fields(c);
	free(c);
}

int web_config_parse(const char *text, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t errlen)
{
	struct parse p = { .dir = dir, .err = err, .errlen = errlen, .prefer_server = true };
	yaml_parser_t parser;
	yaml_node_t *root;
	int ret;

	*out = NULL;
	err[0] = '\0';
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c)
		return -ENOMEM;
	p.c->min_version = WEB_TLS_MIN_DEFAULT;
	p.c->max_version = WEB_TLS_MAX;
	if (!yaml_parser_initialize(&parser)) {
		free(p.c);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p.doc)) {
		snprintf(err, errlen, "line %zu: invalid YAML: %s",
			 parser.problem_mark.line + 1, parser.problem ?: "parse error");
		yaml_parser_delete(&parser);
		free(p.c);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&p.doc);
	ret = root ? mapping(&p, root, "web config", top_pair) : 0;
	if (!ret)
		ret = check_tls(&p);
	yaml_document_delete(&p.doc);
	yaml_parser_delete(&parser);
	if (ret) {
		if (ret == -ENOMEM && !err[0])
			snprintf(err, errlen, "out of memory");
		web_config_free(p.c);
		return ret;
	}
	*out = p.c;
	return 0;
}

/* The whole of a regular file, NUL-terminated. */
static int read_file(const char *file, char **out, size_t *lenp, char *err, size_t errlen,
		     const char *what)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	char *buf;
	int fd, e;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open %s: %s", what, file, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %s is not a regular file of at most %d bytes", what, file,
			 MAX_FILE_BYTES);
		close(fd);
		return -EINVAL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			snprintf(err, errlen, "%s: reading %s failed: %s", what, file, strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

int web_config_load(const char *file, struct web_config **out, char *err, size_t errlen)
{
	char msg[384], *text = NULL, *dir, *slash;
	struct web_config *c;
	size_t len;
	int ret;

	*out = NULL;
	ret = read_file(file, &text, &len, msg, sizeof(msg), "web config");
	if (ret) {
		snprintf(err, errlen, "%s", msg);
		return ret;
	}
	dir = strdup(file);
	if (!dir) {
		free(text);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	ret = web_config_parse(text, len, slash ? dir : NULL, &c, msg, sizeof(msg));
	free(text);
	free(dir);
	if (ret) {
		snprintf(err, errlen, "web config %s: %s", file, msg);
		return ret;
	}
	if (c->tls) {
		ret = read_file(c->cert_file, &c->cert_pem, NULL, msg, sizeof(msg),
				"tls_server_config.cert_file");
		if (!ret)
			ret = read_file(c->key_file, &c->key_pem, NULL, msg, sizeof(msg),
					"tls_server_config.key_file");
		if (!ret && c->client_ca_file)
			ret = read_file(c->client_ca_file, &c->client_ca_pem, NULL, msg,
					sizeof(msg), "tls_server_config.client_ca_file");
		if (ret) {
			snprintf(err, errlen, "web config %s: %s", file, msg);
			web_config_free(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}
