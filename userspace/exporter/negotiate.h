/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HTTP content negotiation for /metrics: format (Accept) and gzip (Accept-Encoding). */
#ifndef __PTCOPY_NEGOTIATE_H
#define __PTCOPY_NEGOTIATE_H

#include <stdbool.h>
#include "exposition.h"

/*
 * OpenMetrics 1.0.0 when the Accept header prefers it (q) over text 0.0.4;
 * text 0.0.4 otherwise, also with no header or nothing acceptable in it
 * (as Prometheus' own exporters do). The first of equal q values wins.
 */
enum expo_format negotiate_format(const char *accept);
/* Whether Accept-Encoding allows gzip (present with q > 0). */
bool negotiate_gzip(const char *accept_encoding);

#endif /* __PTCOPY_NEGOTIATE_H */
