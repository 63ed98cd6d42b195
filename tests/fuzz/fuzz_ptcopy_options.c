// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: ptcopy's command line (NUL-separated words). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "argv.h"
#include "log.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *buf, err[256];
	struct options o;
	int argc;

	log_verbosity = -1;
	argc = fuzz_argv(data, size, "ptcopy", &buf, argv);
	if (argc < 0)
		return 0;
	memset(&o, 0, sizeof(o));
	if (options_parse(argc, argv, &o, err, sizeof(err)) && !err[0]) {
		fprintf(stderr, "a refusal without a reason\n");
		abort();
	}
	free(buf);
	return 0;
}
