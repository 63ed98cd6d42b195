// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: ptcopy_exporter's command line (NUL-separated words). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "argv.h"
#include "flags.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *buf, err[256];
	struct exporter_flags f;
	int argc;

	log_verbosity = -1;
	argc = fuzz_argv(data, size, "ptcopy_exporter", &buf, argv);
	if (argc < 0)
		return 0;
	if (exporter_flags_parse(argc, argv, &f, err, sizeof(err))) {
		/* One record all the same: the exporter's logfmt escapes control characters. */
		if (!err[0]) {
			fprintf(stderr, "a refusal without a reason\n");
			abort();
		}
	} else if (!f.listen_address || !f.telemetry_path || f.telemetry_path[0] != '/' ||
		   !f.max_connections || !f.connection_timeout_s) {
		abort();
	}
	free(buf);
	return 0;
}
