// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "session.h"
#include "testrun.h"

void testrun_require_bpf(void)
{
	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN tests need root (euid %u)\n", geteuid());
		exit(77);
	}
}

/*
 * A pass's hold is kept per CPU between its lock and its unlock (the PTE
 * locks pin the kernel's task to its CPU); test runs of a thread that
 * migrated in between would see none. Threads started after this inherit
 * the CPU; a script that runs on another CPU moves itself there.
 */
void testrun_pin_here(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

pid_t testrun_gettid(void)
{
	return syscall(SYS_gettid);
}

int testrun(struct bpf_program *prog, const __u64 *args, int nargs, int cpu)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.ctx_in = args,
		.ctx_size_in = nargs * sizeof(__u64),
	);
	int err;

	if (cpu >= 0) {
		opts.flags = BPF_F_TEST_RUN_ON_CPU;
		opts.cpu = cpu;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		fprintf(stderr, "test run of %s failed: %s\n", bpf_program__name(prog),
			strerror(errno));
		return -errno;
	}
	return opts.retval;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m) {
		fprintf(stderr, "no map %s\n", name);
		abort();
	}
	return bpf_map__fd(m);
}

/* A global variable of the window object, in its mmap'ed .bss. */
static __u64 *bss_var(struct bpf_object *obj, const char *name)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *bss = NULL, *m;
	char *base;
	size_t size;
	int i, id;

	bpf_object__for_each_map(m, obj)
		if (strstr(bpf_map__name(m), ".bss"))
			bss = m;
	id = btf__find_by_name_kind(btf, ".bss", BTF_KIND_DATASEC);
	if (!bss || id < 0) {
		fprintf(stderr, "no .bss in %s\n", bpf_object__name(obj));
		abort();
	}
	/* after load libbpf returns the live, writable mapping (const in its API) */
	base = (char *)(uintptr_t)bpf_map__initial_value(bss, &size);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), name))
			return (__u64 *)(base + vs->offset);
	}
	fprintf(stderr, "no variable %s in .bss\n", name);
	abort();
}

void testrun_seed_fork(struct bpf_object *obj, __u64 mm, const char *comm, __u32 have)
{
	struct ptcopy_forking forking = { .forkers = 1 };

	testrun_seed_fork_unregistered(obj, mm, comm, have);
	testrun_fork_registered(obj, mm, &forking);
}

void testrun_fork_registered(struct bpf_object *obj, __u64 mm, struct ptcopy_forking *forking)
{
	struct ptcopy_fork f;

	if (!testrun_fork_state(obj, &f)) {
		fprintf(stderr, "no seeded fork to register\n");
		abort();
	}
	f.mm_registered = 1;
	testrun_fork_write(obj, &f);
	if (bpf_map_update_elem(map_fd(obj, "ptcopy_forking_mm"), &mm, forking, BPF_ANY)) {
		perror("registering the seeded fork");
		abort();
	}
}

bool testrun_forking(struct bpf_object *obj, __u64 mm, struct ptcopy_forking *forking)
{
	return !bpf_map_lookup_elem(map_fd(obj, "ptcopy_forking_mm"), &mm, forking);
}

void testrun_seed_fork_unregistered(struct bpf_object *obj, __u64 mm, const char *comm,
				    __u32 have)
{
	struct ptcopy_fork *f = calloc(1, sizeof(*f));
	__u32 tid = testrun_gettid();

	f->mm = mm;
	f->ev.pid = getpid();
	f->ev.tid = tid;
	f->ev.have = have;
	strncpy(f->ev.comm, comm, sizeof(f->ev.comm) - 1);
	testrun_fork_write(obj, f);
	__atomic_add_fetch(bss_var(obj, "forks_in_flight"), 1, __ATOMIC_SEQ_CST);
	free(f);
}

/* A map's element; aborts the test if it cannot be read. */
static void map_read(struct bpf_object *obj, const char *map, const void *key, void *value)
{
	if (bpf_map_lookup_elem(map_fd(obj, map), key, value)) {
		fprintf(stderr, "reading %s: %s\n", map, strerror(errno));
		abort();
	}
}

static void map_write(struct bpf_object *obj, const char *map, const void *key,
		      const void *value)
{
	if (bpf_map_update_elem(map_fd(obj, map), key, value, BPF_ANY)) {
		fprintf(stderr, "writing %s: %s\n", map, strerror(errno));
		abort();
	}
}

/* How many forks the hash holds: ptcopy_fork_owners[PTCOPY_FORK_OVERFLOW] += d. */
static void overflow_add(struct bpf_object *obj, int d)
{
	__u32 k = PTCOPY_FORK_OVERFLOW, n;

	map_read(obj, "ptcopy_fork_owners", &k, &n);
	n += d;
	map_write(obj, "ptcopy_fork_owners", &k, &n);
}

/* Whether the calling thread's fork state is in its slot (else the hash, or none). */
static bool in_slot(struct bpf_object *obj, __u32 tid)
{
	__u32 slot = tid % PTCOPY_FORK_SLOTS, owner;

	map_read(obj, "ptcopy_fork_owners", &slot, &owner);
	return owner == tid;
}

/*
 * Writes the calling thread's fork state where the BPF side keeps it: its
 * slot if free or its own, else the hash (maps.bpf.h).
 */
void testrun_fork_write(struct bpf_object *obj, const struct ptcopy_fork *f)
{
	__u32 tid = testrun_gettid(), slot = tid % PTCOPY_FORK_SLOTS, owner;

	map_read(obj, "ptcopy_fork_owners", &slot, &owner);
	if (owner == tid || !owner) {
		map_write(obj, "ptcopy_fork_slots", &slot, f);
		map_write(obj, "ptcopy_fork_owners", &slot, &tid);
		return;
	}
	if (bpf_map_update_elem(map_fd(obj, "ptcopy_in_fork"), &tid, f, BPF_NOEXIST) == 0)
		overflow_add(obj, 1);
	else
		map_write(obj, "ptcopy_in_fork", &tid, f);
}

void testrun_end_fork(struct bpf_object *obj)
{
	static const struct ptcopy_fork zero;
	__u32 tid = testrun_gettid(), slot = tid % PTCOPY_FORK_SLOTS, free_ = 0;

	if (in_slot(obj, tid)) {
		map_write(obj, "ptcopy_fork_slots", &slot, &zero);
		map_write(obj, "ptcopy_fork_owners", &slot, &free_);
	} else if (!bpf_map_delete_elem(map_fd(obj, "ptcopy_in_fork"), &tid)) {
		overflow_add(obj, -1);
	} else {
		return;
	}
	__atomic_sub_fetch(bss_var(obj, "forks_in_flight"), 1, __ATOMIC_SEQ_CST);
}

/* As fork_lookup() finds it (bpf/fork.bpf.h): the slot's state if ev.tid is ours. */
bool testrun_fork_state(struct bpf_object *obj, struct ptcopy_fork *f)
{
	__u32 tid = testrun_gettid(), slot = tid % PTCOPY_FORK_SLOTS;

	map_read(obj, "ptcopy_fork_slots", &slot, f);
	if (f->ev.tid == tid)
		return true;
	return !bpf_map_lookup_elem(map_fd(obj, "ptcopy_in_fork"), &tid, f);
}

/* Takes the calling thread's slot for another thread's fork: its forks go to the hash. */
void testrun_take_slot(struct bpf_object *obj, __u32 other_tid)
{
	__u32 slot = testrun_gettid() % PTCOPY_FORK_SLOTS;

	map_write(obj, "ptcopy_fork_owners", &slot, &other_tid);
}

static int collect(void *ctx, void *data, size_t size)
{
	struct fork_events *out = ctx;

	if (size >= sizeof(struct ptcopy_fork_event) && out->n < MAX_TEST_EVENTS)
		memcpy(&out->ev[out->n++], data, sizeof(struct ptcopy_fork_event));
	return 0;
}

void testrun_events(struct bpf_object *obj, struct fork_events *out)
{
	struct ring_buffer *rb;

	out->n = 0;
	rb = ring_buffer__new(map_fd(obj, "ptcopy_events"), collect, out, NULL);
	if (!rb) {
		perror("ring_buffer__new");
		abort();
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

struct records {
	struct ptcopy_record *rec;
	size_t n, max;
};

static int collect_record(void *ctx, void *data, size_t size)
{
	struct records *out = ctx;

	if (size >= sizeof(struct ptcopy_record) && out->n < out->max)
		memcpy(&out->rec[out->n++], data, sizeof(struct ptcopy_record));
	return 0;
}

size_t testrun_records(struct bpf_object *obj, struct ptcopy_record *rec, size_t max)
{
	struct records out = { .rec = rec, .max = max };
	struct ring_buffer *rb;

	rb = ring_buffer__new(map_fd(obj, "ptcopy_records"), collect_record, &out, NULL);
	if (!rb) {
		perror("ring_buffer__new");
		abort();
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return out.n;
}

__u64 testrun_records_lost(struct bpf_object *obj)
{
	__u32 zero = 0;
	__u64 lost = 0;

	if (bpf_map_lookup_elem(map_fd(obj, "ptcopy_record_lost"), &zero, &lost)) {
		perror("reading ptcopy_record_lost");
		abort();
	}
	return lost;
}

void testrun_total(struct bpf_object *obj, struct ptcopy_stats *total)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd(obj, "ptcopy_total"), &zero, total))
		abort();
}

bool testrun_label(struct bpf_object *obj, const struct ptcopy_label *l, struct ptcopy_stats *s)
{
	return !bpf_map_lookup_elem(map_fd(obj, "ptcopy_stats"), l, s);
}

__u64 testrun_counter(struct bpf_object *obj, enum ptcopy_counter c)
{
	__u32 key = c;
	__u64 v = 0;

	if (bpf_map_lookup_elem(map_fd(obj, "ptcopy_counters"), &key, &v))
		abort();
	return v;
}

static char patch_btf[2][64];

static void patch_btf_remove(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (patch_btf[i][0])
			unlink(patch_btf[i]);
}

const char *testrun_patch_btf(bool reversed)
{
	char *path = patch_btf[reversed];
	struct btf *vmlinux, *b;
	const void *raw;
	__u32 size;
	int fd;

	if (path[0])
		return path;
	vmlinux = btf__load_vmlinux_btf();
	b = btf__new_empty();
	if (!vmlinux || !b || btf__add_btf(b, vmlinux) < 0 ||
	    btf__add_enum(b, "copy_pte_pass_reason", 4) < 0)
		goto fail;
#define REASON(id, value, name)						\
	if (btf__add_enum_value(b, "COPY_PTE_PASS_" #id,			\
				reversed ? PTCOPY_PASS_REASONS - 1 - value : value)) \
		goto fail;
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
	if (btf__add_enum(b, "copy_pte_stop", 4) < 0)
		goto fail;
#define STOP(id, value, name, lock_break)				\
	if (btf__add_enum_value(b, "COPY_PTE_STOP_" #id,			\
				reversed ? PTCOPY_STOPS - 1 - value : value))	\
		goto fail;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	raw = btf__raw_data(b, &size);
	strcpy(path, "/tmp/ptcopy-test-btf-XXXXXX");
	fd = mkstemp(path);
	if (!raw || fd < 0 || write(fd, raw, size) != (ssize_t)size)
		goto fail;
	close(fd);
	if (!patch_btf[!reversed][0])
		atexit(patch_btf_remove);
	btf__free(b);
	btf__free(vmlinux);
	return path;
fail:
	fprintf(stderr, "building a BTF file with the kernel patch's enums failed\n");
	abort();
}

struct session *testrun_session(int t, unsigned int max_labels)
{
	return testrun_session_btf(t, max_labels, t == TIER_PATCHED ? testrun_patch_btf(false) : NULL);
}

/* ptcopy --record's callback: the tests drain the ring buffer themselves */
static int no_record(void *ctx, const struct ptcopy_record *rec)
{
	(void)ctx;
	(void)rec;
	return 0;
}

static struct session *session_load(int t, unsigned int max_labels, const char *btf_path,
				    bool record);

struct session *testrun_session_record(int t)
{
	return session_load(t, 128, t == TIER_PATCHED ? testrun_patch_btf(false) : NULL, true);
}

struct session *testrun_session_btf(int t, unsigned int max_labels, const char *btf_path)
{
	return session_load(t, max_labels, btf_path, false);
}

static struct session *session_load(int t, unsigned int max_labels, const char *btf_path,
				    bool record)
{
	struct session_opts o = {
		.tier = t,
		.hist_unit_ns = 1000,
		.label_mode = PTCOPY_LABEL_COMM,
		.max_labels = max_labels,
		.load_only = true,
		/* as ptcopy --forks: the tests read every fork's record */
		.fork_events = true,
		.btf_custom_path = btf_path,
		.on_record = record ? no_record : NULL,
	};
	struct kernel_caps caps;
	struct session *s;

	probe_kernel(&caps);
	/* BPF_PROG_TEST_RUN runs raw_tp programs only */
	caps.tp_btf = false;
	if (t == TIER_PATCHED) {
		caps.tp_patched = true;
		caps.patched_enums = true;
	}
	if (t == TIER_INLINE) {
		/* every site recognised in copy_page_range, cond_resched a real call */
		int k;

		caps.kprobe = true;
		caps.inline_ok = true;
		strcpy(caps.inline_func, "copy_page_range");
		memset(&caps.inline_sites, 0, sizeof(caps.inline_sites));
		for (k = 0; k < INLINE_SITE_COUNT; k++) {
			caps.inline_sites.site[k].found = true;
			caps.inline_sites.site[k].off = 0x100 + 8 * k;
		}
	}
	if (session_open(&s, &o, &caps)) {
		fprintf(stderr, "loading the %s tier's programs failed\n", tier_name(t));
		abort();
	}
	return s;
}

struct bpf_program *testrun_prog(struct session *s, bool tier_obj, const char *name)
{
	struct bpf_program *p;

	p = bpf_object__find_program_by_name(session_bpf_object(s, tier_obj), name);
	if (!p) {
		fprintf(stderr, "no program %s\n", name);
		abort();
	}
	return p;
}

struct worker {
	pthread_t thread;
	sem_t go, done;
	void (*fn)(void *arg);
	void *arg;
	bool stop;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		sem_wait(&w->go);
		if (w->stop)
			return NULL;
		w->fn(w->arg);
		sem_post(&w->done);
	}
}

struct worker *worker_start(void)
{
	struct worker *w = calloc(1, sizeof(*w));

	sem_init(&w->go, 0, 0);
	sem_init(&w->done, 0, 0);
	if (pthread_create(&w->thread, NULL, worker_run, w))
		abort();
	return w;
}

void worker_call(struct worker *w, void (*fn)(void *), void *arg)
{
	w->fn = fn;
	w->arg = arg;
	sem_post(&w->go);
	sem_wait(&w->done);
}

void worker_stop(struct worker *w)
{
	w->stop = true;
	sem_post(&w->go);
	pthread_join(w->thread, NULL);
	sem_destroy(&w->go);
	sem_destroy(&w->done);
	free(w);
}
