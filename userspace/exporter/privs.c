// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "log.h"
#include "privs.h"

/* The highest capability the running kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 63;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 63;
		fclose(f);
	}
	return last;
}

static int fail(const char *what)
{
	int err = errno;

	pr_err("%s failed: %s", what, strerror(err));
	return -err;
}

int privs_drop_all(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap, last = last_cap();

	/*
	 * The bounding set needs CAP_SETPCAP; under systemd's
	 * CapabilityBoundingSet it is absent and the set is small already.
	 */
	for (cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EPERM && errno != EINVAL)
			break;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return fail("clearing the ambient capabilities");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return fail("dropping capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail("setting no_new_privs");
	/* Check rather than trust: the effective set must now be empty. */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) || data[0].effective || data[1].effective ||
	    data[0].permitted || data[1].permitted) {
		pr_err("capabilities are still held after dropping them");
		return -EPERM;
	}
	return 0;
}
