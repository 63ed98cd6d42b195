// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Content negotiation of /metrics: the Accept and Accept-Encoding headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "negotiate.h"

/* A header's value for a failure message; "(none)" when absent. */
static const char *shown(const char *header)
{
	return header ? header : "(none)";
}

static void test_format(void **state)
{
	static const struct {
		const char *accept;
		enum expo_format want;
	} cases[] = {
		{ NULL, EXPO_TEXT },
		{ "", EXPO_TEXT },
		{ "*/*", EXPO_TEXT },
		{ "application/json", EXPO_TEXT },
		/* what Prometheus 2.42 sends */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", EXPO_OPENMETRICS },
		{ "application/openmetrics-text", EXPO_OPENMETRICS },
		{ "APPLICATION/OpenMetrics-Text ; Version=\"1.0.0\"", EXPO_OPENMETRICS },
		{ "application/openmetrics-text;version=0.0.1", EXPO_TEXT },
		{ "application/openmetrics-text;q=0", EXPO_TEXT },
		{ "text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5", EXPO_TEXT },
		{ "text/plain;q=0.2, application/openmetrics-text; version=1.0.0; q=0.3", EXPO_OPENMETRICS },
		{ "text/plain, application/openmetrics-text", EXPO_TEXT },	/* a tie: the first */
		{ "application/openmetrics-text;q=2", EXPO_TEXT },		/* q out of range */
		/* what Prometheus 2.42 sends with --enable-feature=native-histograms */
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,"
		  "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
		  "q=0.5,*/*;q=0.1", EXPO_PROTOBUF },
		{ "Application/Vnd.Google.Protobuf; encoding=\"delimited\"; "
		  "proto=io.prometheus.client.MetricFamily", EXPO_PROTOBUF },
		/* protobuf needs both parameters, and the delimited encoding */
		{ "application/vnd.google.protobuf", EXPO_TEXT },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily", EXPO_TEXT },
		{ "application/vnd.google.protobuf;encoding=delimited", EXPO_TEXT },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=text,application/openmetrics-text;q=0.1", EXPO_OPENMETRICS },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.Metric;"
		  "encoding=delimited", EXPO_TEXT },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited;q=0.4,application/openmetrics-text;q=0.5", EXPO_OPENMETRICS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (negotiate_format(cases[i].accept) != cases[i].want)
			fail_msg("Accept %s", shown(cases[i].accept));
}

static void test_gzip(void **state)
{
	static const struct {
		const char *enc;
		bool want;
	} cases[] = {
		{ NULL, false },
		{ "gzip", true },
		{ "deflate, gzip;q=0.5", true },
		{ "gzip;q=0", false },
		{ "GZIP", true },
		{ "br, x-gzip", false },
		{ "identity", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (negotiate_gzip(cases[i].enc) != cases[i].want)
			fail_msg("Accept-Encoding %s", shown(cases[i].enc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
