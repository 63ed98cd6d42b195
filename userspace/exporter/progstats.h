/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Run counts and run time of ptcopy's BPF programs, from the kernel's BPF
 * statistics (BPF_ENABLE_STATS). They are collected while any process holds
 * a stats fd open: the exporter holds one for its lifetime, so they run no
 * longer than it does (they cost every BPF program on the host two clock
 * reads per run).
 */
#ifndef __PTCOPY_PROGSTATS_H
#define __PTCOPY_PROGSTATS_H

#include <stddef.h>
#include "metrics.h"
#include "session.h"

/* The stats fd (needs CAP_SYS_ADMIN: call before dropping it), or -errno. */
int progstats_enable(void);

/*
 * Read the programs' statistics into out[] (room for n), one entry per
 * program name: two programs of one name are added up, as Prometheus
 * allows one series per label value. Returns the entries filled, or
 * -errno naming nothing (the caller does).
 */
int progstats_read(const struct prog_info *progs, size_t n, struct prog_stat *out);

#endif /* __PTCOPY_PROGSTATS_H */
