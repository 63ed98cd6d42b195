// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer: the cgroup reader (ids to paths by walking a cgroup2-like
 * tree). The input is up to 8 lines of relative paths; they are made as
 * directories in a fresh tree under /tmp, then named by their inode
 * numbers, with the input's own bytes as further (mostly unknown) ids. Every
 * directory made must come back as its path, an unknown id as its decimal.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup_names.h"
#include "log.h"

#define MAX_DIRS	8
#define MAX_DEPTH	4
#define MAX_NAME	24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

/* Make each component of path (a, a/b, ...) below root; the path as made. */
static int make(const char *line, size_t len, char *made, size_t cap)
{
	char path[512];
	size_t i, start = 0, mlen = 0;
	int depth = 0;

	made[0] = '\0';
	for (i = 0; i <= len && depth < MAX_DEPTH; i++) {
		if (i < len && line[i] != '/')
			continue;
		size_t n = i - start;

		if (n && n <= MAX_NAME && memchr(line + start, '\0', n) == NULL &&
		    !(n == 1 && line[start] == '.') &&
		    !(n == 2 && line[start] == '.' && line[start + 1] == '.')) {
			if (mlen + 1 + n >= cap)
				break;
			made[mlen++] = '/';
			memcpy(made + mlen, line + start, n);
			mlen += n;
			made[mlen] = '\0';
			snprintf(path, sizeof(path), "%s%s", root, made);
			if (mkdir(path, 0700) && errno != EEXIST)
				return -1;
			depth++;
		}
		start = i + 1;
	}
	return mlen ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char made[MAX_DIRS][512], path[600], *names[MAX_DIRS + 4];
	__u64 ids[MAX_DIRS + 4];
	struct cgroup_names *c;
	size_t i, n = 0, start = 0;
	struct stat st;

	log_verbosity = -1;
	snprintf(root, sizeof(root), "/tmp/ptcopy-fuzz-cgroup.%d", (int)getpid());
	remove_tree(root);
	if (mkdir(root, 0700))
		abort();
	for (i = 0; i <= size && n < MAX_DIRS; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (!make((const char *)data + start, i - start, made[n], sizeof(made[n]))) {
			snprintf(path, sizeof(path), "%s%s", root, made[n]);
			if (stat(path, &st))
				abort();
			ids[n++] = st.st_ino;
		}
		start = i + 1;
	}
	/* Ids nobody has (the root's inode plus the input's bytes). */
	for (i = 0; i < 4; i++)
		ids[n + i] = 0x7fffffff00000000ull + (size > i ? data[i] : i);
	c = cgroup_names_new(root);
	if (!c)
		abort();
	if (cgroup_names_get(c, ids, n + 4, names))
		abort();
	for (i = 0; i < n; i++) {
		/* Two lines may make the same directory: either path names it. */
		size_t j;

		for (j = 0; j < n && !(ids[j] == ids[i] && !strcmp(names[i], made[j])); j++)
			;
		if (j == n)
			abort();
	}
	for (i = n; i < n + 4; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%" PRIu64, (uint64_t)ids[i]);
		if (strcmp(names[i], num))
			abort();
	}
	for (i = 0; i < n + 4; i++)
		free(names[i]);
	cgroup_names_free(c);
	remove_tree(root);
	return 0;
}
