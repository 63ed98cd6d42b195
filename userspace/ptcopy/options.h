/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptcopy's command line: ptcopy [options] [interval [count]] */
#ifndef __PTCOPY_OPTIONS_H
#define __PTCOPY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "frame.h"
#include "tier.h"

struct options {
	unsigned long interval_s;	/* 0: one report, at the end */
	unsigned long count;		/* reports before exiting; 0: until stopped */
	pid_t pid;
	char comm[PTCOPY_COMM_LEN];
	const char *cgroup;
	bool timestamp;			/* -T */
	__u64 unit_ns;			/* 1000 (-u, default), 1000000 (-m), 1 (-n) */
	int verbose;
	bool forks;			/* --forks: one line per fork */
	__u64 forks_min_ns;
	unsigned int vmas;		/* --vmas: mappings per fork record; 0: off */
	const char *record;		/* --record: the trace file; NULL: off */
	__u64 record_limit;		/* --record-limit: its size bound, bytes */
	bool record_limit_set;
	bool json;
	bool probe;
	enum tier tier;
	enum frame frame;
	bool help;
	bool version;
};

#define OPTIONS_VMAS_DEFAULT	5
/* --record-limit's default and bounds, bytes */
#define OPTIONS_RECORD_LIMIT_DEFAULT	(32ULL << 20)
#define OPTIONS_RECORD_LIMIT_MIN	(4ULL << 10)
#define OPTIONS_RECORD_LIMIT_MAX	(1ULL << 40)
#define PTCOPY_XSTR(x)		#x
#define PTCOPY_STR(x)		PTCOPY_XSTR(x)

enum options_result {
	OPTIONS_OK = 0,
	OPTIONS_USAGE = 2,		/* err holds the one-line reason */
};

int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);
void options_help(FILE *f);

#endif /* __PTCOPY_OPTIONS_H */
