// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's symbols, from one read of /proc/kallsyms per probe: the
 * tiers' symbol names, the frame's functions, the preemption probe's
 * static calls and keys, and the inline tier's call targets all come from
 * it (reading the file is most of what --probe costs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	__u64 addr;
	char *name;
};

struct ksyms {
	struct ksym *sym;	/* text (t, T), modules' included, by address */
	size_t n;
	struct ksym *data;	/* vmlinux's other symbols (data, static keys) */
	size_t ndata;
	bool hidden;		/* every address 0: kallsyms hides them from us */
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

void ksyms_free(struct ksyms *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->n; i++)
		free(k->sym[i].name);
	for (i = 0; i < k->ndata; i++)
		free(k->data[i].name);
	free(k->sym);
	free(k->data);
	free(k);
}

static int ksym_add(struct ksym **v, size_t *n, size_t *cap, __u64 addr, const char *name)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 4096;
		struct ksym *s = realloc(*v, c * sizeof(*s));

		if (!s)
			return -1;
		*v = s;
		*cap = c;
	}
	(*v)[*n].addr = addr;
	(*v)[*n].name = strdup(name);
	if (!(*v)[*n].name)
		return -1;
	(*n)++;
	return 0;
}

struct ksyms *ksyms_read(FILE *f)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0, dcap = 0;
	int err;

	if (!k)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type == 't' || type == 'T')
			err = ksym_add(&k->sym, &k->n, &cap, addr, name);
		else if (!strchr(line, '['))	/* a module's data: nobody's */
			err = ksym_add(&k->data, &k->ndata, &dcap, addr, name);
		else
			continue;
		if (err)
			goto nomem;
	}
	/* qsort() of no array at all: undefined, even for 0 elements */
	if (k->n)
		qsort(k->sym, k->n, sizeof(*k->sym), cmp_ksym);
	/* sorted: the last address is the highest */
	k->hidden = k->n && !k->sym[k->n - 1].addr;
	return k;
nomem:
	ksyms_free(k);
	errno = ENOMEM;
	return NULL;
}

struct ksyms *ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct ksyms *k;
	int err;

	if (!f)
		return NULL;
	k = ksyms_read(f);
	err = errno;
	fclose(f);
	/*
	 * No function at all: the file is hidden, not the kernel bare
	 * (systemd's ProtectKernelTunables= mounts an empty node over it).
	 */
	if (k && !k->n) {
		ksyms_free(k);
		k = NULL;
		err = ENODATA;
	}
	errno = err;
	return k;
}

/* "name" or a compiler clone of it ("name.isra.0", "name.constprop.0"). */
static bool sym_matches(const char *sym, const char *name, size_t n)
{
	return !strncmp(sym, name, n) && (sym[n] == '\0' || sym[n] == '.');
}

const char *ksyms_text_named(const struct ksyms *k, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < k->n; i++)
		if (sym_matches(k->sym[i].name, name, n))
			return k->sym[i].name;
	return NULL;
}

bool ksyms_text_exact(const struct ksyms *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->sym[i].name, name))
			return true;
	return false;
}

bool ksyms_addr(const struct ksyms *k, const char *name, __u64 *addr)
{
	size_t i;

	for (i = 0; i < k->ndata; i++) {
		if (!strcmp(k->data[i].name, name)) {
			*addr = k->data[i].addr;
			return true;
		}
	}
	for (i = 0; i < k->n; i++) {
		if (!strcmp(k->sym[i].name, name)) {
			*addr = k->sym[i].addr;
			return true;
		}
	}
	return false;
}

/* The first symbol at or after addr. */
static size_t lower_bound(const struct ksyms *k, __u64 addr)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->sym[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ksyms_hidden(const struct ksyms *k)
{
	return k->hidden;
}

const char *ksyms_at(void *ctx, __u64 addr)
{
	const struct ksyms *k = ctx;
	size_t i = lower_bound(k, addr);

	return i < k->n && k->sym[i].addr == addr ? k->sym[i].name : NULL;
}

const char *ksyms_func(const struct ksyms *k, const char *name, __u64 *addr, __u64 *size)
{
	size_t i, j, found = k->n, n = strlen(name);

	for (i = 0; i < k->n; i++) {
		if (!sym_matches(k->sym[i].name, name, n))
			continue;
		/* two functions of that name (clones, statics): which one? */
		if (found != k->n && k->sym[found].addr != k->sym[i].addr) {
			errno = EEXIST;
			return NULL;
		}
		if (found == k->n)
			found = i;
	}
	errno = ENOENT;
	if (found == k->n)
		return NULL;
	/* the size: up to the next symbol at another address */
	for (j = found + 1; j < k->n && k->sym[j].addr == k->sym[found].addr; j++)
		;
	if (j == k->n)
		return NULL;
	*addr = k->sym[found].addr;
	*size = k->sym[j].addr - k->sym[found].addr;
	return k->sym[found].name;
}

