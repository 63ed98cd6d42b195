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

static const char *reason_name(__u32 reason)
{
#define REASON(id, value, name)			\
	if (reason == PTCOPY_PASS_##id)		\
		return #name;
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
	return "?";
}

/* A lock-break's cause; the inline tier sees none (PTCOPY_STOPS). */
static const char *stop_name(__u32 stop)
{
#define STOP(id, value, name, lock_break)	\
	if (stop == PTCOPY_STOP_##id)		\
		return #name;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	return NULL;
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
				       json_object_new_string(reason_name(rec->what)));
		if (rec->flags & PTCOPY_REC_RANGE) {
			add_u64(args, "start", rec->start);
			add_u64(args, "end", rec->end);
		}
		break;
	case PTCOPY_REC_RETRY:
		json_object_object_add(args, "reason",
				       json_object_new_string(reason_name(rec->what)));
		break;
	case PTCOPY_REC_LOCK_BREAK:
		cause = stop_name(rec->what);
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

/*
 * The events for rec, metadata first: the window names the process (its
 * leader's comm) and the forking thread, a stall the stalled thread.
 */
static size_t events_for(const struct recorder *r, const struct ptcopy_record *rec,
			 struct json_object **ev, __u64 *keys)
{
	size_t n = 0;

	if (rec->type == PTCOPY_REC_WINDOW && !named(r, process_key(rec->pid))) {
		keys[n] = process_key(rec->pid);
		ev[n++] = metadata("process_name", rec->pid, rec->pid,
				   rec->comm[0] ? rec->comm : rec->name, PTCOPY_COMM_LEN);
	}
	if ((rec->type == PTCOPY_REC_WINDOW || rec->type == PTCOPY_REC_STALL) &&
	    !named(r, thread_key(rec->pid, rec->tid))) {
		keys[n] = thread_key(rec->pid, rec->tid);
		ev[n++] = metadata("thread_name", rec->pid, rec->tid, rec->name, PTCOPY_COMM_LEN);
	}
	keys[n] = 0;
	ev[n++] = trace_event(rec);
	return n;
}

static int write_failed(struct recorder *r)
{
	int err = errno ? errno : EIO;

	pr_err("--record: writing %s failed: %s", r->path, strerror(err));
	return -err;
}

int recorder_add(struct recorder *r, const struct ptcopy_record *rec)
{
	struct json_object *ev[3];
	const char *text[3];
	__u64 keys[3], len = 0;
	size_t i, n;
	int err = 0;

	if (r->bytes + RECORD_TAIL_MAX >= r->limit) {
		r->dropped++;
		return 0;
	}
	n = events_for(r, rec, ev, keys);
	for (i = 0; i < n; i++) {
		text[i] = json_object_to_json_string_ext(ev[i], JSON_C_TO_STRING_PLAIN);
		/* each on a line of its own, after ",\n" but the file's first */
		len += strlen(text[i]) + (r->written || i ? 2 : 0);
	}
	if (r->bytes + len + RECORD_TAIL_MAX > r->limit) {
		/* full: this and every later record is dropped, in order */
		pr_warn("--record: %s reached its size limit (%llu bytes, --record-limit): "
			"recording stopped, later events are counted as dropped", r->path,
			(unsigned long long)r->limit);
		r->bytes = r->limit;
		r->dropped++;
		goto out;
	}
	for (i = 0; i < n; i++) {
		errno = 0;
		if (fprintf(r->f, "%s%s", r->written || i ? ",\n" : "", text[i]) < 0) {
			err = write_failed(r);
			goto out;
		}
		if (keys[i] && name_track(r, keys[i])) {
			err = -ENOMEM;
			pr_err("out of memory");
			goto out;
		}
	}
	r->bytes += len;
	r->written++;
out:
	for (i = 0; i < n; i++)
		json_object_put(ev[i]);
	return err;
}

struct recorder *recorder_open(const char *path, __u64 limit, char *err, size_t errlen)
{
	struct recorder *r = calloc(1, sizeof(*r));
	int fd;

	if (!r || !(r->path = strdup(path))) {
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
	if (fd < 0 || !(r->f = fdopen(fd, "w"))) {
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

static struct json_object *other_data(const struct recorder *r, const struct recorder_tail *t)
{
	struct json_object *o = json_object_new_object(), *lost = json_object_new_object();

	json_object_object_add(o, "tool", json_object_new_string("ptcopy " PTCOPY_VERSION));
	json_object_object_add(o, "tier", json_object_new_string(t->tier));
	add_u64(o, "records", r->written);
	add_u64(lost, "ring_buffer", t->lost_ring_buffer);
	add_u64(lost, "size_limit", r->dropped);
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
	if (!err && (t->lost_ring_buffer || r->dropped))
		pr_warn("--record: %llu events lost (%llu: the ring buffer was full, %llu: past "
			"the size limit); %s has %llu", (unsigned long long)
			(t->lost_ring_buffer + r->dropped), (unsigned long long)t->lost_ring_buffer,
			(unsigned long long)r->dropped, r->path, (unsigned long long)r->written);
	tdestroy(r->named, free);
	free(r->path);
	free(r);
	return err;
}
