/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PTCOPY_PROBE_PRINT_H
#define __PTCOPY_PROBE_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "probe.h"
#include "session.h"
#include "frame.h"
#include "tier.h"

/* What --probe found; progs: the chosen tier's programs, loaded (or none). */
struct probe_report {
	const struct kernel_caps *caps;
	enum tier chosen;
	const char *why;
	enum frame frame;		/* FRAME_COUNT: none can run */
	const char *frame_why;
	const struct prog_info *progs;
	size_t nprogs;
	bool loaded;			/* the programs passed the verifier */
	bool verbose;			/* -v: also the inline tier's sites */
};

void probe_print(FILE *f, bool json, const struct probe_report *r);

#endif /* __PTCOPY_PROBE_PRINT_H */
