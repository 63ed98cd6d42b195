/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HTTP content negotiation for /metrics: format (Accept) and gzip (Accept-Encoding). */
#ifndef __PTCOPY_NEGOTIATE_H
#define __PTCOPY_NEGOTIATE_H

#include <stdbool.h>
#include "exposition.h"

/*
 * The format the Accept header prefers (q) among the protobuf format
 * (application/vnd.google.protobuf with proto=io.prometheus.client.MetricFamily
 * and encoding=delimited), OpenMetrics 1.0.0 and text 0.0.4; text 0.0.4
 * with no header or nothing acceptable in it (as Prometheus' own exporters
 * do). The first of equal q values wins.
 */
enum expo_format negotiate_format(const char *accept);
/* Whether Accept-Encoding allows gzip (present with q > 0). */
bool negotiate_gzip(const char *accept_encoding);

#endif /* __PTCOPY_NEGOTIATE_H */
