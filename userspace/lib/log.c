// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

int log_verbosity = LOG_WARN;
const char *log_prefix = "ptcopy";
bool log_logfmt;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static const char *const logfmt_levels[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

/*
 * ts=<RFC 3339 UTC, ms> level=<level> msg="<quoted>": the record is built
 * whole and written with one call, so records from several threads never
 * interleave within a line.
 */
static void logfmt_record(enum log_level level, const char *msg)
{
	char line[2048], ts[32];
	struct timespec now;
	size_t n, room = sizeof(line) - 2;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, room, "ts=%s.%03ldZ level=%s msg=\"", ts, now.tv_nsec / 1000000,
		     logfmt_levels[level]);
	for (; *msg && n + 8 < room; msg++) {
		unsigned char c = *msg;

		if (c == '"' || c == '\\')
			n += sprintf(line + n, "\\%c", c);
		else if (c == '\n')
			n += sprintf(line + n, "\\n");
		else if (c < 0x20 || c == 0x7f)
			n += sprintf(line + n, "\\u%04x", c);
		else
			line[n++] = c;
	}
	line[n++] = '"';
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if ((int)level > log_verbosity)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One record per line: a trailing newline from the caller is dropped. */
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (log_logfmt)
		logfmt_record(level, buf);
	else if (level == LOG_ERROR)
		fprintf(stderr, "%s: %s\n", log_prefix, buf);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prefix, level_names[level], buf);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static char libbpf_first[256];

void log_libbpf_capture(void)
{
	libbpf_first[0] = '\0';
}

const char *log_libbpf_warning(void)
{
	return libbpf_first[0] ? libbpf_first : NULL;
}

/* A warning about one map or program: what a failed load reports first. */
static bool names_object(const char *msg)
{
	return !strncmp(msg, "map '", 5) || !strncmp(msg, "prog '", 6);
}

/*
 * Keep the first line of the first warning naming a map or a program (or of
 * the first warning at all until one does): a failed map creation is
 * preceded by "Error in bpf_create_map_xattr(...). Retrying without BTF."
 */
static void libbpf_keep(const char *fmt, va_list ap)
{
	static const char prefix[] = "libbpf: ";
	char line[sizeof(libbpf_first) + sizeof(prefix)];
	const char *msg = line;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (!strncmp(msg, prefix, sizeof(prefix) - 1))
		msg += sizeof(prefix) - 1;
	if (libbpf_first[0] && !names_object(msg))
		return;
	snprintf(libbpf_first, sizeof(libbpf_first), "%.*s", (int)strcspn(msg, "\n"), msg);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !names_object(libbpf_first)) {
		va_list aq;

		va_copy(aq, ap);
		libbpf_keep(fmt, aq);
		va_end(aq);
	}
	/*
	 * libbpf reports every failure itself at WARN level, often over many
	 * lines (verifier logs); the caller prints one line naming what
	 * failed, so libbpf's own output is shown only with -v.
	 */
	if (log_verbosity < LOG_DEBUG)
		return 0;
	if (log_logfmt) {
		char buf[1024];
		int n = vsnprintf(buf, sizeof(buf), fmt, ap);

		log_msg(LOG_DEBUG, "libbpf: %s", buf);
		return n;
	}
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
