// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kread.h"
#include "kread.skel.h"

struct kread *kread_open(char *why, size_t why_len)
{
	struct kread_bpf *skel = kread_bpf__open_and_load();

	if (!skel)
		snprintf(why, why_len, "loading the kernel-memory reader (BPF) failed: %s",
			 strerror(errno));
	return (struct kread *)skel;
}

int kread_bytes(struct kread *r, __u64 addr, void *buf, size_t len, char *why,
		size_t why_len)
{
	struct kread_bpf *skel = (struct kread_bpf *)r;
	size_t done = 0;

	while (done < len) {
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		size_t n = len - done;
		int err;

		if (n > sizeof(skel->bss->kread_buf))
			n = sizeof(skel->bss->kread_buf);
		skel->bss->kread_addr = addr + done;
		skel->bss->kread_len = n;
		skel->bss->kread_err = -EFAULT;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ptcopy_kread), &opts)) {
			err = -errno;
			snprintf(why, why_len, "running the kernel-memory reader (BPF) failed: %s",
				 strerror(errno));
			return err;
		}
		if (skel->bss->kread_err) {
			err = (int)skel->bss->kread_err;
			snprintf(why, why_len, "reading kernel memory at 0x%llx failed: %s",
				 (unsigned long long)(addr + done), strerror(-err));
			return err;
		}
		memcpy((__u8 *)buf + done, skel->bss->kread_buf, n);
		done += n;
	}
	return 0;
}

void kread_close(struct kread *r)
{
	kread_bpf__destroy((struct kread_bpf *)r);
}
