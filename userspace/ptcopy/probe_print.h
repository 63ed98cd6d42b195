/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PTCOPY_PROBE_PRINT_H
#define __PTCOPY_PROBE_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "probe.h"
#include "tier.h"

void probe_print(FILE *f, bool json, const struct kernel_caps *c, enum tier chosen,
		 const char *why);

#endif /* __PTCOPY_PROBE_PRINT_H */
