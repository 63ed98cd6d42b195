// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup ids to paths over a stand-in tree: a cgroup's id is its directory's
 * inode number, which any directory tree has, so a temporary one serves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "cgroup_names.h"

static __u64 ino(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void test_names(void **state)
{
	char root[] = "/tmp/ptcopy-cgroup-test.XXXXXX", a[256], ab[256], file[512];
	__u64 ids[4];
	char *names[4];
	struct cgroup_names *c;
	size_t i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(a, sizeof(a), "%.200s/system.slice", root);
	snprintf(ab, sizeof(ab), "%.200s/redis.service", a);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(ab, 0755), 0);
	/* files are skipped whatever their inode */
	snprintf(file, sizeof(file), "%.300s/cgroup.procs", a);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	c = cgroup_names_new(root);
	assert_non_null(c);
	ids[0] = ino(ab);
	ids[1] = ino(root);
	ids[2] = 999999999999ULL;	/* no such directory: its id, in decimal */
	ids[3] = ino(ab);		/* asked twice */
	assert_int_equal(cgroup_names_get(c, ids, 4, names), 0);
	assert_string_equal(names[0], "/system.slice/redis.service");
	assert_string_equal(names[1], "/");
	assert_string_equal(names[2], "999999999999");
	assert_string_equal(names[3], "/system.slice/redis.service");
	for (i = 0; i < 4; i++)
		free(names[i]);

	/* A name, once found, stays: the series keeps its label value. */
	assert_int_equal(rmdir(ab), 0);
	assert_int_equal(cgroup_names_get(c, ids, 3, names), 0);
	assert_string_equal(names[0], "/system.slice/redis.service");
	assert_string_equal(names[2], "999999999999");
	for (i = 0; i < 3; i++)
		free(names[i]);

	/* Only directories are cgroups: a file's inode number names nothing. */
	ids[0] = ino(file);
	assert_int_equal(cgroup_names_get(c, ids, 1, names), 0);
	snprintf(file, sizeof(file), "%llu", (unsigned long long)ids[0]);
	assert_string_equal(names[0], file);
	free(names[0]);

	cgroup_names_free(c);
	snprintf(file, sizeof(file), "%.300s/cgroup.procs", a);
	unlink(file);
	rmdir(a);
	rmdir(root);
}

/*
 * The first cgroup2 entry of a mounts table, its octal escapes undone
 * (getmntent); a cgroup (v1) entry or a path merely containing "cgroup2"
 * is not one.
 */
static void test_mount_from(void **state)
{
	static const char mounts[] =
		"sysfs /sys sysfs rw,nosuid 0 0\n"
		"cgroup /sys/fs/cgroup2x cgroup rw,memory 0 0\n"
		"cgroup2 /run/my\\040cgroup\\011v2 cgroup2 rw,nsdelegate 0 0\n"
		"cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";
	static const char none[] = "proc /proc proc rw 0 0\ncgroup /sys/fs/cgroup cgroup rw 0 0\n";
	FILE *f;
	char *mnt;

	(void)state;
	f = fmemopen((void *)mounts, sizeof(mounts) - 1, "r");
	assert_non_null(f);
	mnt = cgroup_names_mount_from(f);
	fclose(f);
	assert_non_null(mnt);
	assert_string_equal(mnt, "/run/my cgroup\tv2");
	free(mnt);
	f = fmemopen((void *)none, sizeof(none) - 1, "r");
	assert_non_null(f);
	assert_null(cgroup_names_mount_from(f));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mount_from),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
