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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
