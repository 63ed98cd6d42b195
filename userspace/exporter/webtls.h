/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The GnuTLS side of the web config: checks at start, client certificates per request. */
#ifndef __PTCOPY_WEBTLS_H
#define __PTCOPY_WEBTLS_H

#include <stdbool.h>
#include <stddef.h>
#include "webconfig.h"

/*
 * False in the fully static exporter of the VM initramfs, which is linked
 * with static/gnutls_stub.c instead of GnuTLS.
 */
bool webtls_available(void);
/*
 * Check, before serving, what libmicrohttpd would only refuse without
 * saying why: that the key pair loads and matches, that the CA file holds
 * certificates, that GnuTLS takes the priority string, and that it enables
 * exactly the cipher suites listed. 0, or -EINVAL with one line in err.
 */
int webtls_check(const struct web_config *c, char *err, size_t errlen);
/*
 * Whether the client certificate of a TLS session (gnutls_session_t)
 * satisfies client_auth_type; why not in why.
 */
bool webtls_client_ok(const struct web_config *c, void *session, const char **why);

#endif /* __PTCOPY_WEBTLS_H */
