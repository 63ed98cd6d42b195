// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup_names.h"
#include "log.h"

struct cgroup_name {
	__u64 id;
	char *name;
};

struct cgroup_names {
	char *root;			/* the cgroup2 mount, NULL if none */
	struct cgroup_name *known;	/* sorted by id */
	size_t n;
	size_t cap;
};

/*
 * glibc's getmntent() reads the mounts table and undoes its octal escapes.
 * /proc/self/mounts, not mountinfo: only the mount point is needed, since
 * ids are inode numbers found by walking the tree below it; mountinfo's
 * extra fields (the mount's root within its file system, peer groups) name
 * nothing ptcopy uses.
 */
char *cgroup_names_mount_from(FILE *f)
{
	struct mntent m;
	char buf[4096];

	while (getmntent_r(f, &m, buf, sizeof(buf)))
		if (!strcmp(m.mnt_type, "cgroup2"))
			return strdup(m.mnt_dir);
	return NULL;
}

/* The first cgroup2 mount point (hybrid hosts mount it at .../unified). */
static char *find_cgroup2(void)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	char *found;

	if (!f)
		return NULL;
	found = cgroup_names_mount_from(f);
	endmntent(f);
	return found;
}

struct cgroup_names *cgroup_names_new(const char *root)
{
	struct cgroup_names *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->root = root ? strdup(root) : find_cgroup2();
	if (!c->root)
		pr_warn("no cgroup2 file system is mounted: cgroup label values are cgroup ids");
	return c;
}

void cgroup_names_free(struct cgroup_names *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->known[i].name);
	free(c->known);
	free(c->root);
	free(c);
}

static struct cgroup_name *lookup(struct cgroup_names *c, __u64 id)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->known[mid].id == id)
			return &c->known[mid];
		if (c->known[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_name(const void *a, const void *b)
{
	const struct cgroup_name *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int remember(struct cgroup_names *c, __u64 id, const char *name)
{
	struct cgroup_name *e;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		e = realloc(c->known, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->known = e;
		c->cap = cap;
	}
	e = &c->known[c->n];
	e->id = id;
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	c->n++;
	return 0;
}

/* Remember the path of id if it is wanted (marking it found); -ENOMEM on failure. */
static int match(struct cgroup_names *c, __u64 id, const char *path, __u64 *want, size_t n,
		 size_t *left)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (!want[i] || want[i] != id)
			continue;
		err = remember(c, id, *path ? path : "/");
		if (err)
			return err;
		want[i] = 0;
		(*left)--;
	}
	return 0;
}

/*
 * Directories below dirfd (path relative to the root in path[0..len)),
 * depth first, until every wanted id is found. Entries are told apart by
 * d_type and named by d_ino, which on kernfs is the cgroup id: nothing is
 * stat()ed, a cgroup directory's dozens of files cost one readdir.
 */
static int walk_dir(struct cgroup_names *c, int dirfd, char *path, size_t len,
		    __u64 *want, size_t n, size_t *left)
{
	struct dirent *d;
	DIR *dir;
	int err = 0;

	dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return 0;
	}
	while (*left && !err && (d = readdir(dir))) {
		size_t nlen = strlen(d->d_name);
		int fd;

		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (len + 1 + nlen >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, d->d_name, nlen + 1);
		err = match(c, d->d_ino, path, want, n, left);
		if (err || !*left)
			break;
		/* A cgroup removed meanwhile is simply not there any more. */
		fd = openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			err = walk_dir(c, fd, path, len + 1 + nlen, want, n, left);
		path[len] = '\0';
	}
	closedir(dir);
	return err;
}

/* One walk of the tree for all the ids in want[0..n) (unknown, unique, not 0). */
static int walk(struct cgroup_names *c, __u64 *want, size_t n)
{
	char path[PATH_MAX] = "";
	size_t left = n;
	struct stat st;
	int fd, err;

	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = match(c, st.st_ino, path, want, n, &left);
	if (err || !left) {
		close(fd);
		return err;
	}
	return walk_dir(c, fd, path, 0, want, n, &left);
}

int cgroup_names_get(void *ctx, const __u64 *ids, size_t n, char **names)
{
	struct cgroup_names *c = ctx;
	__u64 *want;
	size_t i, nwant = 0, nknown = c->n;
	int err = 0;

	want = calloc(n ? n : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t j;

		if (lookup(c, ids[i]))
			continue;
		for (j = 0; j < nwant && want[j] != ids[i]; j++)
			;
		/* id 0 marks found ones in walk(); it is no cgroup's id anyway */
		if (j == nwant && ids[i])
			want[nwant++] = ids[i];
	}
	if (nwant && c->root) {
		err = walk(c, want, nwant);
		if (err && err != -ENOMEM) {
			pr_warn("walking %s to name cgroups failed: %s", c->root, strerror(-err));
			err = 0;
		}
	}
	/* Not found (removed already, or no tree): the id itself, for good. */
	for (i = 0; !err && i < nwant; i++) {
		char num[24];

		if (!want[i])
			continue;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)want[i]);
		err = remember(c, want[i], num);
	}
	if (c->n != nknown)
		qsort(c->known, c->n, sizeof(*c->known), cmp_name);
	free(want);
	if (err)
		return err;

	for (i = 0; i < n; i++) {
		const struct cgroup_name *e = lookup(c, ids[i]);
		char num[24];

		if (!e)
			snprintf(num, sizeof(num), "%llu", (unsigned long long)ids[i]);
		names[i] = strdup(e ? e->name : num);
		if (!names[i]) {
			while (i--)
				free(names[i]);
			return -ENOMEM;
		}
	}
	return 0;
}
