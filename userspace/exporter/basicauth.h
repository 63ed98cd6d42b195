/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP basic authentication against the bcrypt hashes of the web config,
 * as exporter-toolkit does it: an unknown user is checked against a dummy
 * hash (the same bcrypt cost whether the user exists or not), and the
 * outcome of a check is cached under a SHA-256 of user, hash and password,
 * so that Prometheus' scrape every few seconds costs one bcrypt in all,
 * not one each. The cache is bounded (BASICAUTH_CACHE entries, the oldest
 * replaced) and holds no password.
 */
#ifndef __PTCOPY_BASICAUTH_H
#define __PTCOPY_BASICAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include "webconfig.h"

#define BASICAUTH_CACHE	100

struct basicauth;

struct basicauth *basicauth_new(const struct web_user *users, size_t nusers);
void basicauth_free(struct basicauth *a);
/* Whether user and password (NULL: none given) are those of a configured user. */
bool basicauth_check(struct basicauth *a, const char *user, const char *password);
/* bcrypt checks actually run (not answered from the cache), for the tests. */
unsigned long basicauth_bcrypt_runs(const struct basicauth *a);

#endif /* __PTCOPY_BASICAUTH_H */
