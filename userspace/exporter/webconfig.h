/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --web.config.file: TLS, basic authentication and extra response headers in
 * the format of the Prometheus exporter-toolkit (the file node_exporter and
 * the other official exporters accept, checked by `promtool check
 * web-config`):
 *
 *   tls_server_config:
 *     cert_file, key_file          PEM; relative to the file's directory
 *     client_auth_type             NoClientCert (default), RequestClientCert,
 *                                  RequireAnyClientCert, VerifyClientCertIfGiven,
 *                                  RequireAndVerifyClientCert
 *     client_ca_file               PEM bundle of the CAs client certs chain to
 *     min_version, max_version     TLS10 .. TLS13 (min default TLS12)
 *     cipher_suites                Go's names, TLS 1.2 and below only
 *     curve_preferences            CurveP256, CurveP384, CurveP521, X25519
 *     prefer_server_cipher_suites  bool (default true)
 *   http_server_config:
 *     http2                        bool, accepted (HTTP/1.1 is served)
 *     headers                      Strict-Transport-Security,
 *                                  X-Content-Type-Options (nosniff),
 *                                  X-Frame-Options (deny|sameorigin),
 *                                  X-XSS-Protection, Content-Security-Policy
 *   basic_auth_users:              user: bcrypt hash ($2a$, $2b$, $2y$)
 *
 * Unknown keys, duplicate keys and values of the wrong type are refused, as
 * exporter-toolkit's strict YAML decoding does.
 */
#ifndef __PTCOPY_WEBCONFIG_H
#define __PTCOPY_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum web_client_auth {
	WEB_NO_CLIENT_CERT,
	WEB_REQUEST_CLIENT_CERT,
	WEB_REQUIRE_ANY_CLIENT_CERT,
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* TLS versions as their minor number: 10 is TLS 1.0, 13 is TLS 1.3. */
#define WEB_TLS_MIN_DEFAULT	12
#define WEB_TLS_MAX		13
#define WEB_MAX_CIPHER_SUITES	32
#define WEB_MAX_USERS		1024
#define WEB_MAX_HEADERS		5

struct web_user {
	char *name;
	char *hash;
};

struct web_header {
	char *name;
	char *value;
};

struct web_config {
	bool tls;
	/* Paths as resolved against the file's directory; PEM contents once loaded. */
	char *cert_file, *key_file, *client_ca_file;
	char *cert_pem, *key_pem, *client_ca_pem;
	enum web_client_auth client_auth;
	int min_version, max_version;
	/* IANA numbers of the TLS <= 1.2 suites asked for; none: GnuTLS' defaults */
	unsigned short cipher_suites[WEB_MAX_CIPHER_SUITES];
	size_t ncipher_suites;
	/* GnuTLS priority string implementing versions, suites and curves */
	char *priorities;
	struct web_user *users;
	size_t nusers;
	struct web_header headers[WEB_MAX_HEADERS];
	size_t nheaders;
};

/*
 * Parse a web configuration held in memory (no file is read: the fuzz
 * target's entry). dir resolves relative paths. Returns 0 and *out, or
 * -EINVAL/-ENOMEM with one line in err naming the key and the problem.
 */
int web_config_parse(const char *text, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t errlen);
/* Read FILE, parse it and read the PEM files it names. */
int web_config_load(const char *file, struct web_config **out, char *err, size_t errlen);
void web_config_free(struct web_config *c);
/* The IANA number of a cipher suite in Go's naming, 0 if unknown. */
unsigned short web_cipher_suite_id(const char *go_name);
const char *web_cipher_suite_name(unsigned short id);
const char *web_client_auth_name(enum web_client_auth a);

#endif /* __PTCOPY_WEBCONFIG_H */
