// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "basicauth.h"

/*
 * Checked when the user is unknown, so that a wrong user name costs as
 * long as a wrong password: a bcrypt hash of cost 10 (the cost
 * htpasswd -B and exporter-toolkit's examples use) of random bytes that
 * were thrown away.
 */
static const char dummy_hash[] =
	"$2b$10$ptcopyexporterdummysae.0.cY7wWxuHGRwjc5u74KF0jr5Br5uG";

struct cache_entry {
	unsigned char key[SHA256_DIGEST_SIZE];
	bool ok;
	bool used;
};

struct basicauth {
	const struct web_user *users;
	size_t nusers;
	struct cache_entry cache[BASICAUTH_CACHE];
	size_t next;		/* the entry replaced next: the oldest */
	unsigned long bcrypt_runs;
	struct crypt_data *cd;	/* 32 KiB: not on the HTTP thread's stack */
};

struct basicauth *basicauth_new(const struct web_user *users, size_t nusers)
{
	struct basicauth *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cd = calloc(1, sizeof(*a->cd));
	if (!a->cd) {
		free(a);
		return NULL;
	}
	a->users = users;
	a->nusers = nusers;
	return a;
}

void basicauth_free(struct basicauth *a)
{
	if (!a)
		return;
	explicit_bzero(a->cd, sizeof(*a->cd));
	free(a->cd);
	free(a);
}

unsigned long basicauth_bcrypt_runs(const struct basicauth *a)
{
	return a->bcrypt_runs;
}

/* Length-prefixed fields: no choice of user and password collides with another. */
static void cache_key(const char *user, const char *hash, const char *password,
		      unsigned char key[SHA256_DIGEST_SIZE])
{
	const char *parts[3] = { user, hash, password };
	struct sha256_ctx ctx;
	unsigned char n[8];
	size_t len, i, b;

	sha256_init(&ctx);
	for (i = 0; i < 3; i++) {
		len = strlen(parts[i]);
		for (b = 0; b < 8; b++)
			n[b] = len >> (8 * b);
		sha256_update(&ctx, sizeof(n), n);
		sha256_update(&ctx, len, (const uint8_t *)parts[i]);
	}
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, key);
}

static bool bcrypt_ok(struct basicauth *a, const char *password, const char *hash)
{
	const char *out;

	a->bcrypt_runs++;
	memset(a->cd, 0, sizeof(*a->cd));
	out = crypt_rn(password, hash, a->cd, sizeof(*a->cd));
	/* A failure gives NULL or a string starting with '*', never the hash. */
	return out && strlen(out) == strlen(hash) && !strcmp(out, hash);
}

bool basicauth_check(struct basicauth *a, const char *user, const char *password)
{
	unsigned char key[SHA256_DIGEST_SIZE];
	const char *hash = dummy_hash;
	bool known = false, ok;
	size_t i;

	if (!user || !password)
		return false;
	for (i = 0; i < a->nusers; i++) {
		if (!strcmp(a->users[i].name, user)) {
			hash = a->users[i].hash;
			known = true;
			break;
		}
	}
	cache_key(user, hash, password, key);
	for (i = 0; i < BASICAUTH_CACHE; i++)
		if (a->cache[i].used && !memcmp(a->cache[i].key, key, sizeof(key)))
			return a->cache[i].ok && known;
	ok = bcrypt_ok(a, password, hash);
	memcpy(a->cache[a->next].key, key, sizeof(key));
	a->cache[a->next].ok = ok;
	a->cache[a->next].used = true;
	a->next = (a->next + 1) % BASICAUTH_CACHE;
	return ok && known;
}
