/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One-line log records on stderr: "<tool>: <message>" for the tracer, or
 * logfmt ("ts=... level=... msg=\"...\"") for daemons (log_logfmt).
 */
#ifndef __PTCOPY_LOG_H
#define __PTCOPY_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,	/* -v: also libbpf's own messages */
};

extern int log_verbosity;
extern const char *log_prefix;
/* One logfmt record per line (ts, level, msg), as Prometheus exporters log. */
extern bool log_logfmt;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's messages through log_msg (debug ones only at LOG_DEBUG). */
void log_setup_libbpf(void);
/*
 * The first line of libbpf's first warning naming a map or program since
 * log_libbpf_capture() (else of its first warning at all), without the
 * "libbpf: " prefix, or NULL: on a failed load it says what failed, for the
 * caller's one error line (without -v libbpf prints nothing).
 */
void log_libbpf_capture(void);
const char *log_libbpf_warning(void);

#define pr_err(...)	log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* __PTCOPY_LOG_H */
