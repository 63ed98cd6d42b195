// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier reads the running kernel's code of copy_page_range (or
 * copy_pte_range) with this program, run once per chunk by BPF_PROG_TEST_RUN
 * and attached to nothing. bpf_probe_read_kernel copies the text as the CPU
 * executes it, after boot patching of alternatives, paravirt calls and
 * static calls: what the recogniser must see. It needs nothing the tier's
 * kprobes do not need already (unlike /proc/kcore: CONFIG_PROC_KCORE,
 * CAP_SYS_RAWIO), and has no side effect.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TEXT_CHUNK	4096

__u64 text_addr;
__u32 text_len;
long text_err;
__u8 text_buf[TEXT_CHUNK];

SEC("raw_tp")
int ptcopy_read_text(void *ctx)
{
	__u32 n = text_len;

	if (n > TEXT_CHUNK)
		n = TEXT_CHUNK;
	text_err = bpf_probe_read_kernel(text_buf, n, (const void *)text_addr);
	return 0;
}
