// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include "webtls.h"

/* Defined only by static/gnutls_stub.c. */
extern const int ptcopy_exporter_without_tls __attribute__((weak));

bool webtls_available(void)
{
	return !&ptcopy_exporter_without_tls;
}

static gnutls_datum_t datum(const char *pem)
{
	return (gnutls_datum_t){ .data = (unsigned char *)pem, .size = strlen(pem) };
}

/*
 * GnuTLS enables suites by their parts (key exchange, cipher, MAC): the
 * list it ends up with must be exactly the one asked for, or the file
 * asks for something GnuTLS cannot do.
 */
static int check_suites(const struct web_config *c, gnutls_priority_t prio, char *err,
			size_t errlen)
{
	bool offered[WEB_MAX_CIPHER_SUITES] = {};
	unsigned int idx, sidx;
	unsigned char id[2];
	unsigned short sid;
	const char *name;
	size_t i;
	int ret;

	for (idx = 0;; idx++) {
		ret = gnutls_priority_get_cipher_suite_index(prio, idx, &sidx);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (ret == GNUTLS_E_UNKNOWN_CIPHER_SUITE)
			continue;
		if (ret < 0) {
			snprintf(err, errlen, "tls_server_config.cipher_suites: %s",
				 gnutls_strerror(ret));
			return -EINVAL;
		}
		name = gnutls_cipher_suite_info(sidx, id, NULL, NULL, NULL, NULL);
		if (!name)
			continue;
		sid = id[0] << 8 | id[1];
		if (id[0] == 0x13)	/* TLS 1.3's, not configurable */
			continue;
		for (i = 0; i < c->ncipher_suites && c->cipher_suites[i] != sid; i++)
			;
		if (i == c->ncipher_suites) {
			snprintf(err, errlen,
				 "tls_server_config.cipher_suites: GnuTLS cannot offer these suites without also offering %s (0x%04x); list it too or drop the suites that share its parts",
				 web_cipher_suite_name(sid) ?: name, sid);
			return -EINVAL;
		}
		offered[i] = true;
	}
	for (i = 0; i < c->ncipher_suites; i++) {
		if (!offered[i]) {
			snprintf(err, errlen,
				 "tls_server_config.cipher_suites: %s is not supported by GnuTLS %s or not with the TLS versions allowed",
				 web_cipher_suite_name(c->cipher_suites[i]), gnutls_check_version(NULL));
			return -EINVAL;
		}
	}
	return 0;
}

int webtls_check(const struct web_config *c, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cert, key, ca;
	const char *errpos = NULL;
	int ret;

	if (!c->tls)
		return 0;
	if (!webtls_available()) {
		snprintf(err, errlen,
			 "tls_server_config: this build of ptcopy_exporter (fully static, for the VM initramfs) has no TLS; use the regular build");
		return -EINVAL;
	}
	ret = gnutls_certificate_allocate_credentials(&cred);
	if (ret < 0) {
		snprintf(err, errlen, "tls_server_config: %s", gnutls_strerror(ret));
		return -ENOMEM;
	}
	cert = datum(c->cert_pem);
	key = datum(c->key_pem);
	ret = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0) {
		snprintf(err, errlen, "tls_server_config.cert_file/key_file: %s and %s: %s",
			 c->cert_file, c->key_file, gnutls_strerror(ret));
		goto out;
	}
	if (c->client_ca_pem) {
		ca = datum(c->client_ca_pem);
		ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			snprintf(err, errlen, "tls_server_config.client_ca_file: %s: %s",
				 c->client_ca_file,
				 ret < 0 ? gnutls_strerror(ret) : "no PEM certificate in it");
			ret = -1;
			goto out;
		}
	}
	ret = gnutls_priority_init(&prio, c->priorities, &errpos);
	if (ret < 0) {
		snprintf(err, errlen, "tls_server_config: GnuTLS refuses the priorities '%s' at '%.32s': %s",
			 c->priorities, errpos ?: "", gnutls_strerror(ret));
		goto out;
	}
	ret = c->ncipher_suites ? check_suites(c, prio, err, errlen) : 0;
	gnutls_priority_deinit(prio);
out:
	gnutls_certificate_free_credentials(cred);
	return ret < 0 ? -EINVAL : 0;
}

bool webtls_client_ok(const struct web_config *c, void *session, const char **why)
{
	unsigned int n = 0, status = 0;
	const gnutls_datum_t *peers;

	if (c->client_auth == WEB_NO_CLIENT_CERT || c->client_auth == WEB_REQUEST_CLIENT_CERT)
		return true;
	if (!session) {
		*why = "no TLS session";
		return false;
	}
	peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || !n) {
		if (c->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN)
			return true;
		*why = "no client certificate";
		return false;
	}
	if (c->client_auth == WEB_REQUIRE_ANY_CLIENT_CERT)
		return true;
	if (gnutls_certificate_verify_peers2(session, &status) < 0 || status) {
		*why = "the client certificate does not verify against client_ca_file";
		return false;
	}
	return true;
}
