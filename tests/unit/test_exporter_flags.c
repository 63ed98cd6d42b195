// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptcopy_exporter's flags and --web.listen-address forms. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "flags.h"
#include "listen.h"
#include "log.h"

#define ARGC(a)	((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_defaults(void **state)
{
	char *argv[] = { "ptcopy_exporter", NULL };
	struct exporter_flags f;
	char err[256];

	(void)state;
	assert_int_equal(exporter_flags_parse(ARGC(argv), argv, &f, err, sizeof(err)), 0);
	assert_string_equal(f.listen_address, ":10368");
	assert_string_equal(f.telemetry_path, "/metrics");
	assert_int_equal(f.tier, TIER_AUTO);
	assert_int_equal(f.labels, PTCOPY_LABEL_COMM);
	assert_int_equal(f.max_label_values, 128);
	assert_false(f.bpf_stats);
	assert_false(f.vmas);
	assert_null(f.web_config_file);
	assert_int_equal(f.max_connections, 256);
	assert_int_equal(f.max_connections_per_ip, 16);
	assert_int_equal(f.connection_timeout_s, 10);
	assert_int_equal(f.log_level, LOG_INFO);
	assert_false(f.help || f.version);
}

static void test_all_flags(void **state)
{
	char *argv[] = { "ptcopy_exporter", "--web.listen-address=[::1]:9999",
			 "--web.telemetry-path", "/ptcopy", "--tier=tracepoint", "--labels=cgroup",
			 "--max-label-values=1000", "--bpf-stats", "--vmas", "--log.level=debug",
			 "--web.config.file=/etc/web.yml", "--web.max-connections=4096",
			 "--web.max-connections-per-ip=0", "--web.connection-timeout", "3600",
			 "--version", "-h", NULL };
	struct exporter_flags f;
	char err[256];

	(void)state;
	assert_int_equal(exporter_flags_parse(ARGC(argv), argv, &f, err, sizeof(err)), 0);
	assert_string_equal(f.listen_address, "[::1]:9999");
	assert_string_equal(f.telemetry_path, "/ptcopy");
	assert_int_equal(f.tier, TIER_TRACEPOINT);
	assert_int_equal(f.labels, PTCOPY_LABEL_CGROUP);
	assert_int_equal(f.max_label_values, 1000);
	assert_true(f.bpf_stats);
	assert_true(f.vmas);
	assert_string_equal(f.web_config_file, "/etc/web.yml");
	assert_int_equal(f.max_connections, 4096);
	assert_int_equal(f.max_connections_per_ip, 0);
	assert_int_equal(f.connection_timeout_s, 3600);
	assert_int_equal(f.log_level, LOG_DEBUG);
	assert_true(f.help && f.version);
}

/* Each usage error is refused with a line naming the culprit. */
static void test_usage_errors(void **state)
{
	static const struct {
		const char *arg;
		const char *msg;
	} cases[] = {
		{ "--labels=pid", "invalid --labels 'pid': expected comm, cgroup or none" },
		{ "--max-label-values=0", "invalid --max-label-values '0': expected 1 to 65536" },
		{ "--max-label-values=65537", "invalid --max-label-values '65537': expected 1 to 65536" },
		{ "--max-label-values=12x", "invalid --max-label-values '12x': expected 1 to 65536" },
		{ "--max-label-values=-1", "invalid --max-label-values '-1': expected 1 to 65536" },
		{ "--tier=fast", "invalid tier 'fast': expected patched, inline, fentry, kprobe, tracepoint or auto" },
		{ "--web.telemetry-path=metrics", "invalid telemetry path 'metrics': expected /name, not / itself" },
		{ "--web.telemetry-path=/", "invalid telemetry path '/': expected /name, not / itself" },
		{ "--web.listen-address=10368", "invalid listen address '10368': expected host:port, :port or [ipv6]:port" },
		{ "--web.listen-address=:http", "invalid port in listen address ':http': expected 0 to 65535" },
		{ "--web.listen-address=:65536", "invalid port in listen address ':65536': expected 0 to 65535" },
		{ "--web.listen-address=::1:80", "invalid listen address '::1:80': expected host:port, :port or [ipv6]:port" },
		{ "--web.listen-address=[::1]80", "invalid listen address '[::1]80': expected [ipv6]:port" },
		{ "--log.level=trace", "invalid --log.level 'trace': expected debug, info, warn or error" },
		{ "--web.max-connections=0", "invalid --web.max-connections '0': expected 1 to 4096" },
		{ "--web.max-connections=4097", "invalid --web.max-connections '4097': expected 1 to 4096" },
		{ "--web.max-connections-per-ip=-1", "invalid --web.max-connections-per-ip '-1': expected 0 to 4096" },
		{ "--web.connection-timeout=0", "invalid --web.connection-timeout '0': expected 1 to 3600 seconds" },
		{ "--web.connection-timeout=1s", "invalid --web.connection-timeout '1s': expected 1 to 3600 seconds" },
		{ "--web.config.file=", "invalid --web.config.file '': expected a file name" },
		{ "--bogus", "unrecognized option '--bogus'" },
		{ "--labels", "option '--labels' requires an argument" },
		{ "extra", "unexpected argument 'extra': ptcopy_exporter takes only options" },
	};
	struct exporter_flags f;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "ptcopy_exporter", (char *)cases[i].arg, NULL };

		assert_int_equal(exporter_flags_parse(2, argv, &f, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, cases[i].msg);
	}
}

static void test_listen_parse(void **state)
{
	static const struct {
		const char *addr, *host, *port;
	} ok[] = {
		{ ":10368", "", "10368" },
		{ "127.0.0.1:0", "127.0.0.1", "0" },
		{ "localhost:80", "localhost", "80" },
		{ "[::]:10368", "::", "10368" },
		{ "[fe80::1%eth0]:9", "fe80::1%eth0", "9" },
	};
	char host[64], port[8], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(listen_parse(ok[i].addr, host, sizeof(host), port, sizeof(port),
					      err, sizeof(err)), 0);
		assert_string_equal(host, ok[i].host);
		assert_string_equal(port, ok[i].port);
	}
	assert_int_equal(listen_parse(":", host, sizeof(host), port, sizeof(port), err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(listen_parse("[::1:80", host, sizeof(host), port, sizeof(port), err,
				      sizeof(err)), -EINVAL);
}

/* A taken port is refused naming the address, before any BPF is loaded. */
static void test_listen_busy(void **state)
{
	char addr[64], err[256], want[128];
	int fd, fd2;

	(void)state;
	fd = listen_open("127.0.0.1:0", err, sizeof(err));
	assert_true(fd >= 0);
	listen_describe(fd, addr, sizeof(addr));
	assert_int_equal(strncmp(addr, "127.0.0.1:", 10), 0);
	fd2 = listen_open(addr, err, sizeof(err));
	assert_int_equal(fd2, -EADDRINUSE);
	snprintf(want, sizeof(want), "cannot listen on %s: Address already in use", addr);
	assert_string_equal(err, want);
	close(fd);
	assert_true(listen_open("256.0.0.1:1", err, sizeof(err)) < 0);
	assert_int_equal(strncmp(err, "cannot listen on 256.0.0.1:1: ", 30), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_flags),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_listen_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
