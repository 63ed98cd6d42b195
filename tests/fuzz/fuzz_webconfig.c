// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the --web.config.file parser (YAML from memory, no file read). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config *c;
	char err[512];

	if (web_config_parse((const char *)data, size, "/etc/ptcopy", &c, err, sizeof(err))) {
		/* One record all the same: the exporter's logfmt escapes control characters. */
		if (!err[0]) {
			fprintf(stderr, "a refusal without a reason\n");
			abort();
		}
		return 0;
	}
	if (c->tls && (!c->cert_file || !c->key_file || !c->priorities))
		abort();
	web_config_free(c);
	return 0;
}
