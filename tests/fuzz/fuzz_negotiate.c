// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: content negotiation (Accept, then Accept-Encoding after a NUL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	enum expo_format f;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	f = negotiate_format(buf);
	if (f != EXPO_TEXT && f != EXPO_OPENMETRICS && f != EXPO_PROTOBUF)
		abort();
	negotiate_gzip(buf + strlen(buf) + (strlen(buf) < size));
	free(buf);
	return 0;
}
