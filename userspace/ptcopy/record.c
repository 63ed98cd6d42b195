// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Chrome Trace Event Format as Perfetto and chrome://tracing read it
 * (the "Trace Event Format" document): ts and dur in microseconds, here
 * with the kernel's nanoseconds as three decimals; "X" complete events for
 * slices, "i" instants with "s":"t" (thread scope), "M" metadata naming
 * processes and threads. Track: pid = the forking process's tgid, tid = the
 * thread (the forker, or a stalled sibling). Names and categories come
 * from PTCOPY_RECORD_TABLE and the kind, reason and stop tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "log.h"
#include "stats.h"
#include "record.h"
#include "vmas.h"

static const char head[] = "{\"traceEvents\":[\n";

struct recorder {
	FILE *f;
	char *path;
	__u64 limit;
	__u64 bytes;			/* written so far */
	__u64 written;
	__u64 dropped;			/* past the limit */
	bool full;			/* the limit is reached: nothing more goes in */
	/* records of forks whose window has not come yet */
	struct ptcopy_record *pending;
	size_t npending, cap;
	void *named;			/* tsearch tree of track keys already named */
};

static const char *record_name(__u32 type)
{
#define REC(id, value, name, phase)		\
	if (type == PTCOPY_REC_##id)		\
		return #name;
	PTCOPY_RECORD_TABLE(REC)
#undef REC
	return "?";
}

static const char *record_phase(__u32 type)
{
#define REC(id, value, name, phase)		\
	if (type == PTCOPY_REC_##id)		\
		return phase;
	PTCOPY_RECORD_TABLE(REC)
#undef REC
	return "i";
}

/* Microseconds with the nanoseconds kept: 1234567 ns is 1234.567. */
static struct json_object *usec(__u64 ns)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000),
		 (unsigned long long)(ns % 1000));
	return json_object_new_double_s((double)ns / 1000.0, buf);
}

static void add_str_len(struct json_object *o, const char *key, const char *s, size_t max)
{
	json_object_object_add(o, key, json_object_new_string_len(s, strnlen(s, max)));
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *event_base(const char *name, const char *cat, const char *ph,
				      __u32 pid, __u32 tid)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	if (cat)
		json_object_object_add(o, "cat", json_object_new_string(cat));
	json_object_object_add(o, "ph", json_object_new_string(ph));
	add_u64(o, "pid", pid);
	add_u64(o, "tid", tid);
	return o;
}

/* "M" process_name (tid ignored by viewers) or thread_name. */
static struct json_object *metadata(const char *what, __u32 pid, __u32 tid, const char *name,
				    size_t max)
{
	struct json_object *o = event_base(what, NULL, "M", pid, tid);
	struct json_object *args = json_object_new_object();

	add_str_len(args, "name", name, max);
	json_object_object_add(o, "args", args);
	return o;
}

/* The args of a mapping: as ptcopy --vmas -j gives them. */
static void vma_args(struct json_object *args, const struct ptcopy_record *rec)
{
	add_u64(args, "start", rec->start);
	add_u64(args, "end", rec->end);
	add_u64(args, "size", rec->end - rec->start);
	json_object_object_add(args, "kind", json_object_new_string(vma_kind_name(rec->what)));
	if (rec->name[0])
		add_str_len(args, "name", rec->name, sizeof(rec->name));
}

static struct json_object *trace_event(const struct ptcopy_record *rec)
{
	const char *cat = record_name(rec->type), *ph = record_phase(rec->type);
	const char *name = rec->type == PTCOPY_REC_VMA ? vma_kind_name(rec->what) : cat;
	struct json_object *o = event_base(name, cat, ph, rec->pid, rec->tid);
	struct json_object *args = json_object_new_object();
	const char *cause;

	json_object_object_add(o, "ts", usec(rec->ts_ns));
	if (!strcmp(ph, "X"))
		json_object_object_add(o, "dur", usec(rec->dur_ns));
	else
		json_object_object_add(o, "s", json_object_new_string("t"));
	switch (rec->type) {
	case PTCOPY_REC_VMA:
		vma_args(args, rec);
		break;
	case PTCOPY_REC_PASS:
		json_object_object_add(args, "reason",
				       json_object_new_string(stats_reason_name(rec->what)));
		if (rec->flags & PTCOPY_REC_RANGE) {
			add_u64(args, "start", rec->start);
			add_u64(args, "end", rec->end);
		}
		break;
	case PTCOPY_REC_RETRY:
		json_object_object_add(args, "reason",
				       json_object_new_string(stats_reason_name(rec->what)));
		break;
	case PTCOPY_REC_LOCK_BREAK:
		cause = stats_stop_name(rec->what);
		if (cause)
			json_object_object_add(args, "cause", json_object_new_string(cause));
		break;
	case PTCOPY_REC_WINDOW:
	case PTCOPY_REC_STALL:
		add_str_len(args, "comm", rec->name, PTCOPY_COMM_LEN);
		break;
	}
	json_object_object_add(o, "args", args);
	return o;
}

static int key_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Track keys: a process (bit 63) or one of its threads. */
static __u64 process_key(__u32 pid)
{
	return 1ULL << 63 | pid;
}

static __u64 thread_key(__u32 pid, __u32 tid)
{
	return (__u64)pid << 32 | tid;
}

static bool named(const struct recorder *r, __u64 key)
{
	return tfind(&key, &r->named, key_cmp) != NULL;
}

static int name_track(struct recorder *r, __u64 key)
{
	__u64 *k = malloc(sizeof(*k));

	if (!k)
		return -ENOMEM;
	*k = key;
	if (!tsearch(k, &r->named, key_cmp)) {
		free(k);
		return -ENOMEM;
	}
	return 0;
}

/* A fork's events for the file: metadata first where a track is new. */
struct batch {
	struct json_object *events;	/* array */
	__u64 *keys;			/* the tracks it names */
	size_t nkeys;
};

static bool batch_named(const struct recorder *r, const struct batch *b, __u64 key)
{
	size_t i;

	for (i = 0; i < b->nkeys; i++)
		if (b->keys[i] == key)
			return true;
	return named(r, key);
}

/* A process_name or thread_name event for a track not named yet. */
static void batch_name(const struct recorder *r, struct batch *b, __u64 key, const char *what,
		       __u32 pid, __u32 tid, const char *name)
{
	if (batch_named(r, b, key))
		return;
	b->keys[b->nkeys++] = key;
	json_object_array_add(b->events, metadata(what, pid, tid, name, PTCOPY_COMM_LEN));
}

/* Slices before what they contain: by start, then the longer first. */
static int outer_first(const void *a, const void *b)
{
	const struct ptcopy_record *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->dur_ns > y->dur_ns ? -1 : x->dur_ns < y->dur_ns;
}

/*
 * The window and its records (n, sorted) as events: the window names the
 * process (its leader's comm) and the forking thread, a stall the thread
 * that stalled.
 */
static void batch_fill(const struct recorder *r, struct batch *b, const struct ptcopy_record *w,
		       const struct ptcopy_record *kids, size_t n)
{
	size_t i;

	batch_name(r, b, process_key(w->pid), "process_name", w->pid, w->pid,
		   w->comm[0] ? w->comm : w->name);
	batch_name(r, b, thread_key(w->pid, w->tid), "thread_name", w->pid, w->tid, w->name);
	json_object_array_add(b->events, trace_event(w));
	for (i = 0; i < n; i++) {
		if (kids[i].type == PTCOPY_REC_STALL)
			batch_name(r, b, thread_key(kids[i].pid, kids[i].tid), "thread_name",
				   kids[i].pid, kids[i].tid, kids[i].name);
		json_object_array_add(b->events, trace_event(&kids[i]));
	}
}

static int write_failed(struct recorder *r)
{
	int err = errno ? errno : EIO;

	pr_err("--record: writing %s failed: %s", r->path, strerror(err));
	return -err;
}

/* The batch into the file, all of it or none (0: it did not fit). */
static int batch_write(struct recorder *r, const struct batch *b)
{
	size_t i, n = json_object_array_length(b->events);
	__u64 len = 0;

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(b->events, i);

		/* each on a line of its own, after ",\n" but the file's first */
		len += strlen(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN)) + 2;
	}
	if (r->bytes + len + RECORD_TAIL_MAX > r->limit)
		return 0;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(b->events, i);

		errno = 0;
		if (fprintf(r->f, "%s%s", r->bytes > sizeof(head) - 1 || i ? ",\n" : "",
			    json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN)) < 0)
			return write_failed(r);
	}
	for (i = 0; i < b->nkeys; i++)
		if (name_track(r, b->keys[i])) {
			pr_err("out of memory");
			return -ENOMEM;
		}
	r->bytes += len;
	return 1;
}

/*
 * Takes the pending records of window w's fork out of r->pending, sorted:
 * its forker's (same pid and tid) and the stalls of its process, which
 * the window's close sent just before it.
 */
static struct ptcopy_record *take_kids(struct recorder *r, const struct ptcopy_record *w,
				       size_t *n)
{
	struct ptcopy_record *kids = malloc((r->npending + 1) * sizeof(*kids));
	size_t i, keep = 0;

	*n = 0;
	if (!kids)
		return NULL;
	for (i = 0; i < r->npending; i++) {
		const struct ptcopy_record *p = &r->pending[i];

		if (p->pid == w->pid && (p->type == PTCOPY_REC_STALL || p->tid == w->tid))
			kids[(*n)++] = *p;
		else
			r->pending[keep++] = *p;
	}
	r->npending = keep;
	qsort(kids, *n, sizeof(*kids), outer_first);
	return kids;
}

/* A window: its fork goes into the file, whole, or is counted as dropped. */
static int add_fork(struct recorder *r, const struct ptcopy_record *w)
{
	struct batch b = {};
	struct ptcopy_record *kids;
	size_t n;
	int ret = -ENOMEM;

	kids = take_kids(r, w, &n);
	if (!kids)
		goto nomem;
	if (r->full) {
		r->dropped += 1 + n;
		free(kids);
		return 0;
	}
	b.events = json_object_new_array();
	b.keys = calloc(n + 2, sizeof(*b.keys));
	if (!b.events || !b.keys)
		goto nomem;
	batch_fill(r, &b, w, kids, n);
	ret = batch_write(r, &b);
	if (ret > 0) {
		r->written += 1 + n;
		ret = 0;
	} else if (!ret) {
		/* full: this fork and every later one is dropped, whole */
		pr_warn("--record: %s reached its size limit (%llu bytes, --record-limit): "
			"recording stopped, later events are counted as lost", r->path,
			(unsigned long long)r->limit);
		r->full = true;
		r->dropped += 1 + n;
	}
	json_object_put(b.events);
	free(b.keys);
	free(kids);
	return ret;
nomem:
	json_object_put(b.events);
	free(b.keys);
	free(kids);
	pr_err("out of memory");
	return ret;
}

/*
 * A fork's mapping, pass, instant or stall waits for its window (sent
 * when the fork's copy ends). What could not fit in the file anyway (more
 * pending than the limit: each event is longer than its record) is dropped.
 */
static int pend(struct recorder *r, const struct ptcopy_record *rec)
{
	if (r->full || (r->npending + 1) * sizeof(*rec) > r->limit) {
		r->dropped++;
		return 0;
	}
	if (r->npending == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct ptcopy_record *p = realloc(r->pending, cap * sizeof(*p));

		if (!p) {
			pr_err("out of memory");
			return -ENOMEM;
		}
		r->pending = p;
		r->cap = cap;
	}
	r->pending[r->npending++] = *rec;
	return 0;
}

int recorder_add(struct recorder *r, const struct ptcopy_record *rec)
{
	return rec->type == PTCOPY_REC_WINDOW ? add_fork(r, rec) : pend(r, rec);
}

struct recorder *recorder_open(const char *path, __u64 limit, char *err, size_t errlen)
{
	struct recorder *r = calloc(1, sizeof(*r));
	int fd;

	if (r)
		r->path = strdup(path);
	if (!r || !r->path) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->limit = limit;
	if (limit < sizeof(head) + RECORD_TAIL_MAX) {
		snprintf(err, errlen, "--record-limit %llu is too small for %s",
			 (unsigned long long)limit, path);
		goto fail;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		r->f = fdopen(fd, "w");
	if (!r->f) {
		snprintf(err, errlen, "--record: cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (fputs(head, r->f) < 0 || fflush(r->f)) {
		snprintf(err, errlen, "--record: writing %s failed: %s", path, strerror(errno));
		fclose(r->f);
		goto fail;
	}
	r->bytes = strlen(head);
	return r;
fail:
	free(r->path);
	free(r);
	return NULL;
}

__u64 recorder_written(const struct recorder *r)
{
	return r->written;
}

__u64 recorder_dropped(const struct recorder *r)
{
	return r->dropped;
}

size_t recorder_pending(const struct recorder *r)
{
	return r->npending;
}

static struct json_object *other_data(const struct recorder *r, const struct recorder_tail *t)
{
	struct json_object *o = json_object_new_object(), *lost = json_object_new_object();

	json_object_object_add(o, "tool", json_object_new_string("ptcopy " PTCOPY_VERSION));
	json_object_object_add(o, "tier", json_object_new_string(t->tier));
	add_u64(o, "records", r->written);
	add_u64(lost, "ring_buffer", t->lost_ring_buffer);
	add_u64(lost, "size_limit", r->dropped);
	add_u64(lost, "no_window", r->npending);
	json_object_object_add(o, "records_lost", lost);
	add_u64(o, "size_limit", r->limit);
	return o;
}

int recorder_close(struct recorder *r, const struct recorder_tail *t)
{
	struct json_object *other;
	int err = 0;

	if (!r)
		return 0;
	other = other_data(r, t);
	errno = 0;
	if (fprintf(r->f, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":%s}\n",
		    json_object_to_json_string_ext(other, JSON_C_TO_STRING_PLAIN)) < 0 ||
	    fflush(r->f))
		err = write_failed(r);
	json_object_put(other);
	if (fclose(r->f) && !err)
		err = write_failed(r);
	/*
	 * no_window: records of forks whose window never came (the run ended
	 * inside the fork, or the ring buffer had no room for its window)
	 */
	if (!err && (t->lost_ring_buffer || r->dropped || r->npending))
		pr_warn("--record: %llu events lost (%llu: the ring buffer was full, %llu: past "
			"the size limit, %zu: their fork's window missing); %s has %llu",
			(unsigned long long)(t->lost_ring_buffer + r->dropped + r->npending),
			(unsigned long long)t->lost_ring_buffer, (unsigned long long)r->dropped,
			r->npending, r->path, (unsigned long long)r->written);
	tdestroy(r->named, free);
	free(r->pending);
	free(r->path);
	free(r);
	return err;
}
