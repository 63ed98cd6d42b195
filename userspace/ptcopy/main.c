// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy: trace the fork-time page-table copy.
 *
 * Exit status: 0 ok, 1 runtime failure (named on stderr in one line), 2 usage.
 * A closed standard output (ptcopy | head) ends the run with 0: the reader
 * has what it wanted; every program is detached before exiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "output.h"
#include "probe_print.h"
#include "record.h"
#include "session.h"
#include "signals.h"

struct tracer {
	struct options opts;
	struct output out;
	struct session *session;
	struct recorder *rec;		/* --record */
	bool rec_failed;		/* writing it failed (said on stderr) */
	struct snapshot prev;
	__u64 prev_ns;
	bool out_closed;		/* stdout's reader went away */
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * After a write (each output line is flushed): EPIPE means the reader of
 * stdout is gone, which ends the run normally; any other error is a
 * failure. Returns 0 or -errno (-EPIPE stops the ring buffer's polling).
 */
static int output_status(struct tracer *t)
{
	int err = errno;

	if (!ferror(t->out.f))
		return 0;
	if (err == EPIPE) {
		t->out_closed = true;
		return -EPIPE;
	}
	pr_err("writing the output failed: %s", strerror(err));
	return -err;
}

static int on_fork(void *ctx, const struct ptcopy_fork_event *ev)
{
	struct tracer *t = ctx;

	/* BPF sends only what --forks asked for (session_opts.fork_events) */
	if (t->opts.json)
		json_fork(&t->out, ev);
	else
		text_fork(&t->out, ev);
	return output_status(t);
}

static int on_record(void *ctx, const struct ptcopy_record *rec)
{
	struct tracer *t = ctx;
	int err = recorder_add(t->rec, rec);

	/* said by the recorder: the run ends with 1, without a second line */
	if (err)
		t->rec_failed = true;
	return err;
}

/* --record: the file's tail, with what BPF and the size limit dropped. */
static int record_close(struct tracer *t)
{
	struct recorder_tail tail = {};

	if (!t->rec)
		return 0;
	tail.tier = tier_name(session_tier(t->session));
	tail.lost_ring_buffer = session_record_lost(t->session);
	return recorder_close(t->rec, &tail);
}

static int report(struct tracer *t)
{
	struct snapshot now, delta;
	struct report r;
	int err;

	err = session_read(t->session, &now);
	if (err) {
		pr_err("reading the BPF maps failed: %s", strerror(-err));
		return err;
	}
	err = snapshot_delta(&delta, &now, &t->prev);
	if (err) {
		snapshot_free(&now);
		pr_err("out of memory");
		return err;
	}
	memset(&r, 0, sizeof(r));
	r.now_ns = clock_ns(CLOCK_MONOTONIC);
	r.interval_ns = r.now_ns - t->prev_ns;
	r.total = &delta.total;
	r.labels = delta.labels;
	r.nlabels = delta.nlabels;
	r.label_mode = PTCOPY_LABEL_COMM;
	r.counters = delta.counters;
	if (t->opts.json)
		json_report(&t->out, &r);
	else
		text_report(&t->out, &r);
	snapshot_free(&delta);
	snapshot_free(&t->prev);
	t->prev = now;
	t->prev_ns = r.now_ns;
	return output_status(t);
}

/*
 * What the kernel offers, the tier it gets, and that tier's programs,
 * loaded through the verifier but attached nowhere: a tier that would fail
 * to load is not reported as working. Exit 0 when one works.
 */
static int run_probe(const struct options *o)
{
	struct session_opts so = { .tier = o->tier, .frame = o->frame, .load_only = true };
	struct probe_report r = {};
	struct session *s = NULL;
	struct kernel_caps caps;
	char why[256], frame_why[256];

	probe_kernel(&caps);
	r.caps = &caps;
	r.why = why;
	r.frame_why = frame_why;
	r.frame = frame_choose(&caps, o->frame, frame_why, sizeof(frame_why));
	if (r.frame == FRAME_COUNT)
		pr_err("%s", frame_why);
	r.verbose = o->verbose > 0;
	r.chosen = tier_choose(&caps, o->tier, why, sizeof(why));
	if (r.chosen != TIER_COUNT && r.frame != FRAME_COUNT && !session_open(&s, &so, &caps)) {
		r.loaded = true;
		r.nprogs = session_programs(s, &r.progs);
	}
	probe_print(stdout, o->json, &r);
	session_close(s);
	return r.loaded ? 0 : 1;
}

/*
 * Wait up to timeout_ms for fork events and deliver them. stdout is watched
 * too: a pipe whose reader closed it reports POLLERR (a socket POLLHUP), so
 * the run ends at once even when no fork comes to be written.
 */
static int wait_events(struct tracer *t, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = session_poll_fd(t->session), .events = POLLIN },
		{ .fd = fileno(t->out.f), .events = 0 },
	};

	if (fcntl(pfd[1].fd, F_GETFD) < 0)
		pfd[1].fd = -1;		/* started with stdout closed: nothing to watch */
	if (poll(pfd, 2, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[1].revents & (POLLERR | POLLHUP)) {
		t->out_closed = true;
		return 0;
	}
	return session_poll(t->session, 0);
}

/* Poll for fork events until the interval ends, or until asked to stop. */
static int trace(struct tracer *t)
{
	const struct options *o = &t->opts;
	unsigned long reports = 0;
	__u64 deadline = 0;
	int err;

	if (o->interval_s)
		deadline = clock_ns(CLOCK_MONOTONIC) + o->interval_s * 1000000000ULL;
	while (!signals_stop_requested() && !t->out_closed) {
		int timeout = 200;

		if (deadline) {
			__u64 now = clock_ns(CLOCK_MONOTONIC);

			if (now >= deadline) {
				err = report(t);
				if (t->out_closed)
					return 0;
				if (err)
					return err;
				if (o->count && ++reports >= o->count)
					return 0;
				deadline += o->interval_s * 1000000000ULL;
				continue;
			}
			if ((deadline - now) / 1000000 < (__u64)timeout)
				timeout = (deadline - now) / 1000000 + 1;
		}
		err = wait_events(t, timeout);
		if (t->out_closed)
			return 0;
		if (err < 0) {
			if (!ferror(t->out.f) && !t->rec_failed)
				pr_err("reading fork events failed: %s", strerror(-err));
			return err;
		}
	}
	if (t->out_closed)
		return 0;
	/* Stopped: what arrived since the last report is not lost. */
	session_poll(t->session, 0);
	if (t->out_closed)
		return 0;
	err = report(t);
	return t->out_closed ? 0 : err;
}

int main(int argc, char **argv)
{
	struct session_opts so = {};
	struct tracer t = {};
	char err[256];
	int ret;

	ret = options_parse(argc, argv, &t.opts, err, sizeof(err));
	if (ret == OPTIONS_USAGE) {
		fprintf(stderr, "ptcopy: %s (see ptcopy --help)\n", err);
		return 2;
	}
	if (t.opts.help) {
		options_help(stdout);
		return 0;
	}
	if (t.opts.version) {
		printf("ptcopy %s\n", PTCOPY_VERSION);
		return 0;
	}
	log_verbosity = LOG_WARN + t.opts.verbose;
	log_setup_libbpf();
	if (t.opts.probe)
		return run_probe(&t.opts);
	if (signals_setup()) {
		pr_err("installing signal handlers failed: %s", strerror(errno));
		return 1;
	}

	so.tier = t.opts.tier;
	so.frame = t.opts.frame;
	so.pid = t.opts.pid;
	so.comm = t.opts.comm[0] ? t.opts.comm : NULL;
	so.cgroup = t.opts.cgroup;
	so.hist_unit_ns = t.opts.unit_ns;
	so.label_mode = PTCOPY_LABEL_COMM;
	so.max_labels = SESSION_DEFAULT_LABELS;
	so.on_fork = on_fork;
	so.ctx = &t;
	so.fork_events = t.opts.forks;
	so.fork_events_min_ns = t.opts.forks_min_ns;
	so.vmas = t.opts.vmas;
	if (t.opts.record) {
		/* a file that cannot be written fails before anything is attached */
		t.rec = recorder_open(t.opts.record, t.opts.record_limit, err, sizeof(err));
		if (!t.rec) {
			pr_err("%s", err);
			return 1;
		}
		so.on_record = on_record;
	}
	if (session_open(&t.session, &so, NULL)) {
		/* the file stays an empty but valid trace */
		struct recorder_tail tail = { .tier = "none" };

		recorder_close(t.rec, &tail);
		return 1;
	}

	t.out.f = stdout;
	t.out.opts = &t.opts;
	t.out.tier = session_tier(t.session);
	t.out.have = session_have(t.session);
	/* --record alone turns the mapping probes on, not --vmas' output */
	if (!t.opts.vmas)
		t.out.have &= ~(PTCOPY_HAVE_VMAS | PTCOPY_HAVE_HUGE_PMD);
	t.out.page_size = sysconf(_SC_PAGESIZE);
	t.out.mono_to_real_ns = (__s64)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	t.prev_ns = clock_ns(CLOCK_MONOTONIC);
	if (!t.opts.json) {
		text_header(&t.out, t.session);
		if (t.opts.forks)
			text_fork_header(&t.out);
	} else {
		/* stdout carries only JSON; people and scripts see we are attached */
		struct output to_stderr = t.out;

		to_stderr.f = stderr;
		text_header(&to_stderr, t.session);
	}
	fflush(stdout);

	if (output_status(&t))
		ret = t.out_closed ? 0 : 1;
	else
		ret = trace(&t) ? 1 : 0;
	if (record_close(&t))
		ret = 1;
	snapshot_free(&t.prev);
	session_close(t.session);
	return ret;
}
