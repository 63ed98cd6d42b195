// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "progstats.h"

int progstats_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

int progstats_read(const struct prog_info *progs, size_t n, struct prog_stat *out)
{
	size_t i, j, nout = 0;

	for (i = 0; i < n; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		/* Works on a held fd without any capability: no need to keep one. */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(progs[i].fd, &info, &len))
			return -errno;
		for (j = 0; j < nout && strcmp(out[j].name, progs[i].name); j++)
			;
		if (j == nout) {
			out[nout].name = progs[i].name;
			out[nout].run_cnt = 0;
			out[nout].run_time_ns = 0;
			nout++;
		}
		out[j].run_cnt += info.run_cnt;
		out[j].run_time_ns += info.run_time_ns;
	}
	return nout;
}
