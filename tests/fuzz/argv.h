/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Fuzz input to a command line: NUL-separated words after the program name. */
#ifndef __PTCOPY_FUZZ_ARGV_H
#define __PTCOPY_FUZZ_ARGV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_ARGS	32

/* argv[] points into *buf (malloc()ed, the caller frees it); returns argc. */
static inline int fuzz_argv(const uint8_t *data, size_t size, const char *prog, char **buf,
			    char *argv[FUZZ_MAX_ARGS + 2])
{
	int argc = 0;
	size_t i, start = 0;

	*buf = malloc(size + 1);
	if (!*buf)
		return -1;
	memcpy(*buf, data, size);
	(*buf)[size] = '\0';
	argv[argc++] = (char *)prog;
	for (i = 0; i <= size && argc <= FUZZ_MAX_ARGS; i++) {
		if (i == size || !(*buf)[i]) {
			argv[argc++] = *buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	return argc;
}

#endif /* __PTCOPY_FUZZ_ARGV_H */
