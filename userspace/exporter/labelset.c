// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "labelset.h"

#define FOLD_VALUE	"other"

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void utf8_sanitize(const char *in, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < n) {
		size_t len = utf8_seq_len(s + i, n - i);

		if (len) {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
}

static char *comm_value(const struct ptcopy_label *l)
{
	char buf[3 * PTCOPY_COMM_LEN + 1];

	utf8_sanitize(l->comm, strnlen(l->comm, PTCOPY_COMM_LEN), buf);
	return strdup(buf);
}

static bool is_fold(const struct ptcopy_label *l)
{
	return l->cgroup_id == PTCOPY_LABEL_OTHER;
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	return strcmp(x->value, y->value);
}

/* Adjacent series with equal values (after sorting) become one. */
static void merge_equal(struct labelset *ls)
{
	size_t i, o = 0;

	for (i = 0; i < ls->n; i++) {
		if (o && !strcmp(ls->series[o - 1].value, ls->series[i].value)) {
			stats_add(&ls->series[o - 1].stats, &ls->series[i].stats);
			free(ls->series[i].value);
			continue;
		}
		if (o != i)
			ls->series[o] = ls->series[i];
		o++;
	}
	ls->n = o;
}

static int name_cgroups(struct labelset *ls, const struct snapshot *snap,
			const size_t *idx, cgroup_names_fn names_fn, void *ctx)
{
	__u64 *ids;
	char **names;
	size_t i, n = 0;
	int err = 0;

	ids = calloc(ls->n + 1, sizeof(*ids));
	names = calloc(ls->n + 1, sizeof(*names));
	if (!ids || !names) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ls->n; i++)
		if (!ls->series[i].value)
			ids[n++] = snap->labels[idx[i]].label.cgroup_id;
	if (n && names_fn) {
		err = names_fn(ctx, ids, n, names);
		if (err)
			goto out;
	}
	for (i = 0, n = 0; i < ls->n; i++) {
		char num[24];

		if (ls->series[i].value)
			continue;
		if (!names_fn) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)ids[n]);
			names[n] = strdup(num);
			if (!names[n]) {
				err = -ENOMEM;
				goto out;
			}
		}
		ls->series[i].value = names[n];
		names[n++] = NULL;
	}
out:
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	free(ids);
	return err;
}

int labelset_build(struct labelset *ls, const struct snapshot *snap,
		   enum ptcopy_label_mode mode, cgroup_names_fn names_fn, void *ctx)
{
	size_t *idx = NULL;
	size_t i;
	int err = -ENOMEM;

	memset(ls, 0, sizeof(*ls));
	if (mode == PTCOPY_LABEL_NONE) {
		ls->series = calloc(1, sizeof(*ls->series));
		if (!ls->series)
			return -ENOMEM;
		ls->series[0].stats = snap->total;
		ls->n = 1;
		return 0;
	}

	ls->series = calloc(snap->nlabels + 1, sizeof(*ls->series));
	idx = calloc(snap->nlabels + 1, sizeof(*idx));
	if (!ls->series || !idx)
		goto fail;
	for (i = 0; i < snap->nlabels; i++) {
		const struct label_stats *l = &snap->labels[i];
		struct series *s = &ls->series[ls->n];

		/* The fold entry exists from the start; so do no-fork values. */
		if (!l->stats.forks)
			continue;
		if (is_fold(&l->label))
			s->value = strdup(FOLD_VALUE);
		else if (mode == PTCOPY_LABEL_COMM)
			s->value = comm_value(&l->label);
		if ((is_fold(&l->label) || mode == PTCOPY_LABEL_COMM) && !s->value)
			goto fail;
		s->stats = l->stats;
		idx[ls->n++] = i;
	}
	if (mode == PTCOPY_LABEL_CGROUP) {
		err = name_cgroups(ls, snap, idx, names_fn, ctx);
		if (err)
			goto fail;
	}
	free(idx);
	qsort(ls->series, ls->n, sizeof(*ls->series), cmp_series);
	merge_equal(ls);
	return 0;
fail:
	free(idx);
	labelset_free(ls);
	return err;
}

void labelset_free(struct labelset *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->series[i].value);
	free(ls->series);
	memset(ls, 0, sizeof(*ls));
}
