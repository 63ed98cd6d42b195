// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --web.config.file: exporter-toolkit's format parsed from memory (valid
 * files, every refusal with its key), the GnuTLS priorities built from it,
 * and basic authentication with its cache. bcrypt hashes are made here by
 * libxcrypt (cost 4, the lowest, to keep the test fast).
 */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "basicauth.h"
#include "webconfig.h"

static char hash_a[61], hash_b[61];

static void make_hash(const char *password, char *out)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_rn(password, salt, &cd, sizeof(cd)));
	assert_int_equal(strlen(cd.output), 60);
	memcpy(out, cd.output, 61);
}

static int setup(void **state)
{
	(void)state;
	make_hash("s3cret", hash_a);
	make_hash("other", hash_b);
	return 0;
}

static struct web_config *parse_ok(const char *text)
{
	struct web_config *c = NULL;
	char err[512];

	if (web_config_parse(text, strlen(text), "/etc/ptcopy", &c, err, sizeof(err)))
		fail_msg("refused: %s\n%s", err, text);
	return c;
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "# nothing\n", "---\n", "tls_server_config:\n",
					     "basic_auth_users: {}\nhttp_server_config: ~\n" };
	struct web_config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		c = parse_ok(texts[i]);
		assert_false(c->tls);
		assert_int_equal(c->nusers, 0);
		assert_int_equal(c->nheaders, 0);
		web_config_free(c);
	}
}

static void test_full(void **state)
{
	char text[2048];
	struct web_config *c;

	(void)state;
	snprintf(text, sizeof(text),
		 "tls_server_config:\n"
		 "  cert_file: server.crt\n"
		 "  key_file: /abs/server.key\n"
		 "  client_auth_type: RequireAndVerifyClientCert\n"
		 "  client_ca_file: ca/ca.crt\n"
		 "  min_version: TLS12\n"
		 "  max_version: TLS12\n"
		 "  cipher_suites:\n"
		 "    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
		 "    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n"
		 "    - TLS_AES_128_GCM_SHA256\n"
		 "  curve_preferences: [X25519, CurveP256]\n"
		 "  prefer_server_cipher_suites: false\n"
		 "http_server_config:\n"
		 "  http2: false\n"
		 "  headers:\n"
		 "    X-Frame-Options: deny\n"
		 "    Strict-Transport-Security: max-age=31536000\n"
		 "basic_auth_users:\n"
		 "  alice: '%s'\n"
		 "  \"bob smith\": %s\n", hash_a, hash_b);
	c = parse_ok(text);
	assert_true(c->tls);
	assert_string_equal(c->cert_file, "/etc/ptcopy/server.crt");
	assert_string_equal(c->key_file, "/abs/server.key");
	assert_string_equal(c->client_ca_file, "/etc/ptcopy/ca/ca.crt");
	assert_int_equal(c->client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(c->min_version, 12);
	assert_int_equal(c->max_version, 12);
	/* the TLS 1.3 name is accepted and left out */
	assert_int_equal(c->ncipher_suites, 2);
	assert_int_equal(c->cipher_suites[0], 0xc02b);
	assert_int_equal(c->cipher_suites[1], 0xc02c);
	assert_string_equal(c->priorities,
			    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL:+ECDHE-ECDSA:"
			    "+AES-128-GCM:+AEAD:+AES-256-GCM:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1");
	assert_int_equal(c->nheaders, 2);
	assert_string_equal(c->headers[0].name, "X-Frame-Options");
	assert_string_equal(c->headers[0].value, "deny");
	assert_string_equal(c->headers[1].value, "max-age=31536000");
	assert_int_equal(c->nusers, 2);
	assert_string_equal(c->users[0].name, "alice");
	assert_string_equal(c->users[0].hash, hash_a);
	assert_string_equal(c->users[1].name, "bob smith");
	web_config_free(c);
}

static void test_tls_defaults(void **state)
{
	struct web_config *c;

	(void)state;
	c = parse_ok("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
	assert_true(c->tls);
	assert_int_equal(c->client_auth, WEB_NO_CLIENT_CERT);
	assert_int_equal(c->min_version, 12);
	assert_string_equal(c->priorities,
			    "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:%SERVER_PRECEDENCE");
	web_config_free(c);
	/* suites with TLS 1.3 allowed: 1.3's ciphers stay on */
	c = parse_ok("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
		     "  min_version: TLS10\n  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n");
	assert_string_equal(c->priorities,
			    "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:+VERS-TLS1.3:"
			    "-KX-ALL:-CIPHER-ALL:-MAC-ALL:+RSA:+AES-128-CBC:+SHA1:+AES-128-GCM:"
			    "+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM:+AEAD:%SERVER_PRECEDENCE");
	web_config_free(c);
}

/* Every refusal names the key and the problem, in one line. */
static void test_refused(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "foo: bar\n", "line 1: web config: unknown key 'foo'" },
		{ "- a\n", "line 1: web config: expected a mapping of keys to values" },
		{ "tls_server_config: {\n", "line 2: invalid YAML: did not find expected node content" },
		{ "tls_server_config: [1]\n",
		  "line 1: tls_server_config: expected a mapping of keys to values" },
		{ "tls_server_config:\n  cert_file: a\n", "tls_server_config: missing key_file" },
		{ "tls_server_config:\n  key_file: a\n", "tls_server_config: missing cert_file" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n",
		  "line 4: tls_server_config: unknown key 'bogus'" },
		{ "tls_server_config:\n  cert_file: a\n  cert_file: b\n",
		  "line 3: tls_server_config: key 'cert_file' given twice" },
		{ "tls_server_config:\n  cert_file: [a]\n",
		  "line 2: tls_server_config.cert_file: expected a string" },
		{ "tls_server_config:\n  min_version: TLS14\n",
		  "line 2: tls_server_config.min_version: unknown TLS version 'TLS14' (expected TLS10, TLS11, TLS12 or TLS13)" },
		{ "tls_server_config:\n  max_version: SSL3\n",
		  "line 2: tls_server_config.max_version: unknown TLS version 'SSL3' (expected TLS10, TLS11, TLS12 or TLS13)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
		  "tls_server_config: max_version TLS12 is below min_version TLS13" },
		{ "tls_server_config:\n  client_auth_type: Maybe\n",
		  "line 2: tls_server_config.client_auth_type: unknown value 'Maybe' (expected NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
		  "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert: set the policy" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n",
		  "tls_server_config: client_auth_type RequireAnyClientCert needs client_ca_file here" },
		{ "tls_server_config:\n  cipher_suites: [TLS_FOO]\n",
		  "line 2: tls_server_config.cipher_suites: unknown cipher suite 'TLS_FOO'" },
		{ "tls_server_config:\n  cipher_suites: TLS_RSA_WITH_AES_128_CBC_SHA\n",
		  "line 2: tls_server_config.cipher_suites: expected a list" },
		{ "tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
		  "line 2: tls_server_config.cipher_suites: only TLS 1.3 suites, which are not configurable: leave the list out" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n",
		  "tls_server_config: cipher_suites apply to TLS 1.2 and below, but min_version is TLS13" },
		{ "tls_server_config:\n  curve_preferences: [CurveP999]\n",
		  "line 2: tls_server_config.curve_preferences: unknown curve 'CurveP999' (expected CurveP256, CurveP384, CurveP521 or X25519)" },
		{ "tls_server_config:\n  prefer_server_cipher_suites: perhaps\n",
		  "line 2: tls_server_config.prefer_server_cipher_suites: expected true or false, not 'perhaps'" },
		{ "http_server_config:\n  http2: 'true'\n",
		  "line 2: http_server_config.http2: expected true or false" },
		{ "http_server_config:\n  headers:\n    Server: x\n",
		  "line 3: http_server_config.headers: HTTP header 'Server' cannot be configured (only Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)" },
		{ "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
		  "line 3: http_server_config.headers: invalid value 'allow' for X-Frame-Options (expected deny or sameorigin)" },
		{ "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
		  "line 3: http_server_config.headers: invalid value 'sniff' for X-Content-Type-Options (expected nosniff)" },
		{ "http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nSet-Cookie: a=b\"\n",
		  "line 3: http_server_config.headers: the value of X-XSS-Protection has a line break" },
		{ "http_server_config:\n  tls: on\n", "line 2: http_server_config: unknown key 'tls'" },
		{ "basic_auth_users:\n  alice: secret\n",
		  "line 2: basic_auth_users: the password of user 'alice' is not a bcrypt hash ($2b$..., e.g. from htpasswd -nbBC 10)" },
		{ "basic_auth_users:\n  alice: $1$abc$0123456789012345678901\n",
		  "line 2: basic_auth_users: the password of user 'alice' is not a bcrypt hash ($2b$..., e.g. from htpasswd -nbBC 10)" },
		{ "basic_auth_users:\n  alice: [x]\n", "line 2: basic_auth_users: expected a string" },
		{ "basic_auth_users:\n  alice: \"a\\0b\"\n", "line 2: basic_auth_users: contains a NUL byte" },
	};
	struct web_config *c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = (void *)1;
		if (web_config_parse(cases[i].text, strlen(cases[i].text), NULL, &c, err,
				     sizeof(err)) != -EINVAL)
			fail_msg("accepted:\n%s", cases[i].text);
		assert_null(c);
		if (strcmp(err, cases[i].err))
			fail_msg("case %zu: got \"%s\"\n want \"%s\"", i, err, cases[i].err);
	}
}

/* A colon in a user name cannot be sent in basic auth (RFC 7617). */
static void test_user_colon(void **state)
{
	struct web_config *c = NULL;
	char text[512], err[512];

	(void)state;
	snprintf(text, sizeof(text), "basic_auth_users:\n  'a:b': '%s'\n", hash_a);
	assert_int_equal(web_config_parse(text, strlen(text), NULL, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: basic_auth_users: user name 'a:b' contains a colon");
}

static void test_cipher_names(void **state)
{
	(void)state;
	assert_int_equal(web_cipher_suite_id("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), 0xc02f);
	assert_int_equal(web_cipher_suite_id("TLS_AES_128_GCM_SHA256"), 0);
	assert_int_equal(web_cipher_suite_id("nope"), 0);
	assert_string_equal(web_cipher_suite_name(0xcca8),
			    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	assert_null(web_cipher_suite_name(0x1234));
}

/* Right and wrong credentials; the cache answers repeats without bcrypt. */
static void test_basicauth(void **state)
{
	struct web_user users[] = { { "alice", hash_a }, { "bob", hash_b } };
	struct basicauth *a = basicauth_new(users, 2);
	int i;

	(void)state;
	assert_non_null(a);
	assert_true(basicauth_check(a, "alice", "s3cret"));
	assert_int_equal(basicauth_bcrypt_runs(a), 1);
	for (i = 0; i < 10; i++)
		assert_true(basicauth_check(a, "alice", "s3cret"));
	assert_int_equal(basicauth_bcrypt_runs(a), 1);
	assert_false(basicauth_check(a, "alice", "other"));	/* bob's password */
	assert_true(basicauth_check(a, "bob", "other"));
	assert_false(basicauth_check(a, "bob", "s3cret"));
	assert_false(basicauth_check(a, "alice", ""));
	assert_false(basicauth_check(a, "alice", NULL));
	assert_false(basicauth_check(a, NULL, NULL));
	assert_int_equal(basicauth_bcrypt_runs(a), 5);
	/* an unknown user costs a bcrypt too (against the dummy hash), and fails */
	assert_false(basicauth_check(a, "mallory", "s3cret"));
	assert_int_equal(basicauth_bcrypt_runs(a), 6);
	/* a wrong password is cached as wrong */
	assert_false(basicauth_check(a, "alice", "other"));
	assert_int_equal(basicauth_bcrypt_runs(a), 6);
	basicauth_free(a);
}

/* The cache holds BASICAUTH_CACHE entries: the oldest goes first. */
static void test_basicauth_bounded(void **state)
{
	struct web_user users[] = { { "alice", hash_a } };
	struct basicauth *a = basicauth_new(users, 1);
	char pw[32];
	int i;

	(void)state;
	assert_true(basicauth_check(a, "alice", "s3cret"));
	for (i = 0; i < BASICAUTH_CACHE - 1; i++) {
		snprintf(pw, sizeof(pw), "wrong%d", i);
		assert_false(basicauth_check(a, "alice", pw));
	}
	assert_int_equal(basicauth_bcrypt_runs(a), BASICAUTH_CACHE);
	assert_true(basicauth_check(a, "alice", "s3cret"));	/* still cached */
	assert_int_equal(basicauth_bcrypt_runs(a), BASICAUTH_CACHE);
	assert_false(basicauth_check(a, "alice", "one more"));	/* evicts it */
	assert_true(basicauth_check(a, "alice", "s3cret"));
	assert_int_equal(basicauth_bcrypt_runs(a), BASICAUTH_CACHE + 2);
	basicauth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_tls_defaults),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_user_colon),
		cmocka_unit_test(test_cipher_names),
		cmocka_unit_test(test_basicauth),
		cmocka_unit_test(test_basicauth_bounded),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
