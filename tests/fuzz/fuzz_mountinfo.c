// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the cgroup2 mount point from a mounts table (getmntent). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	char *mnt;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	mnt = cgroup_names_mount_from(f);
	fclose(f);
	/* A mount point comes from a line whose type is cgroup2. */
	if (mnt && !memmem(data, size, "cgroup2", 7))
		abort();
	free(mnt);
	return 0;
}
