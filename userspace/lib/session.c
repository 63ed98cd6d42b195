// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * open -> configure -> load -> attach, for the window object and the chosen
 * tier's object, which reuses the window's maps. Every failure names what
 * failed and unwinds everything before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "inline_orig.h"
#include "inline_text.h"
#include "log.h"
#include "session.h"
#include "tier_obj.h"
#include "vmas.h"
#include "window.skel.h"

#define MAX_PROGS	64

struct session {
	enum tier tier;
	char tier_why[256];
	enum frame frame;
	char frame_why[256];
	struct kernel_caps caps;
	struct ptcopy_config cfg;
	struct window_bpf *window;
	const struct tier_obj *ops;
	void *tier_skel;
	struct bpf_object *tier_bpf;
	struct ring_buffer *rb;
	fork_cb_t on_fork;
	record_cb_t on_record;
	void *ctx;
	int cgroup_fd;
	struct prog_info progs[MAX_PROGS];
	size_t nprogs;
};

/* The tier objects built into this binary; the window alone is tier 3. */
static const struct tier_obj *const tier_objs[TIER_COUNT] = {
	[TIER_PATCHED] = &patched_obj,
	[TIER_INLINE] = &inline_obj,
	[TIER_FENTRY] = &calls_obj,
	[TIER_KPROBE] = &calls_obj,
};

void obj_pick_tp_variant(struct bpf_object *obj, bool tp_btf)
{
	const char *off = tp_btf ? "raw_tp/" : "tp_btf/";
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (!strncmp(bpf_program__section_name(prog), off, strlen(off)))
			bpf_program__set_autoload(prog, false);
	}
}

/*
 * CO-RE relocations against the running kernel's own BTF only. Where a
 * type is not in vmlinux (the flavour of another kernel version, like
 * mm_rss_stat___pre62), libbpf would next search the modules' BTF, whose
 * enumeration (BPF_BTF_GET_NEXT_ID) needs CAP_SYS_ADMIN: with CAP_BPF and
 * CAP_PERFMON alone the load would fail. Naming vmlinux's BTF keeps the
 * search there; no program of ptcopy reads a module's types. btf_path, if
 * given, is a BTF file of another kernel (the BPF tests' patched BTF).
 */
const struct bpf_object_open_opts *obj_open_opts(const char *btf_path)
{
	static const char vmlinux[] = "/sys/kernel/btf/vmlinux";
	static struct bpf_object_open_opts opts = { .sz = sizeof(opts) };

	if (btf_path)
		opts.btf_custom_path = btf_path;
	else
		opts.btf_custom_path = access(vmlinux, R_OK) ? NULL : vmlinux;
	return &opts;
}

/*
 * The frame's programs: the mmap_lock tracepoints, or the fentry frame's
 * ("?" sections, not loaded unless enabled here).
 */
static void pick_frame(struct session *s)
{
	struct window_bpf *w = s->window;
	bool fentry = s->frame == FRAME_FENTRY;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, w->obj) {
		const char *name = bpf_program__name(prog);

		if (!strncmp(name, "ptcopy_mml_", 11) && fentry)
			bpf_program__set_autoload(prog, false);
		else if (!strncmp(name, "ptcopy_ff_", 10))
			bpf_program__set_autoload(prog, fentry);
	}
	if (fentry && !s->caps.frame_fail_fn)
		bpf_program__set_autoload(w->progs.ptcopy_ff_unlocked_fail, false);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	if (size < sizeof(struct ptcopy_fork_event))
		return 0;
	return s->on_fork ? s->on_fork(s->ctx, data) : 0;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	if (size < sizeof(struct ptcopy_record))
		return 0;
	return s->on_record(s->ctx, data);
}

static void collect_obj_progs(struct session *s, struct bpf_object *obj, void *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct prog_info *p;
		const char *slash;

		if (!bpf_program__autoload(prog) || s->nprogs == MAX_PROGS)
			continue;
		p = &s->progs[s->nprogs++];
		p->name = bpf_program__name(prog);
		p->section = bpf_program__section_name(prog);
		p->fd = bpf_program__fd(prog);
		p->target = skel && s->ops->target ? s->ops->target(skel, prog, &s->caps, s->tier)
						   : NULL;
		if (!p->target) {
			slash = strchr(p->section, '/');
			p->target = slash ? slash + 1 : p->section;
		}
	}
}

/* What session_programs() lists: the loaded programs of both objects. */
static void collect_progs(struct session *s)
{
	collect_obj_progs(s, s->window->obj, NULL);
	if (s->tier_bpf)
		collect_obj_progs(s, s->tier_bpf, s->tier_skel);
}

/* The tier object shares every map of the window object (same names). */
static int reuse_window_maps(struct session *s)
{
	struct bpf_map *map, *wmap;
	int err;

	bpf_object__for_each_map(map, s->tier_bpf) {
		if (bpf_map__is_internal(map))
			continue;
		wmap = bpf_object__find_map_by_name(s->window->obj, bpf_map__name(map));
		if (!wmap)
			continue;
		err = bpf_map__reuse_fd(map, bpf_map__fd(wmap));
		if (err) {
			pr_err("sharing BPF map %s with the %s tier failed: %s",
			       bpf_map__name(map), tier_name(s->tier), strerror(-err));
			return err;
		}
	}
	return 0;
}

static int set_cgroup_filter(struct session *s, const char *path)
{
	__u32 key = 0;
	int err;

	s->cgroup_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->cgroup_fd < 0) {
		err = -errno;
		pr_err("--cgroup %s: %s", path, strerror(errno));
		return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(s->window->maps.ptcopy_cgroup), &key,
				&s->cgroup_fd, BPF_ANY)) {
		err = -errno;
		pr_err("--cgroup %s: not a cgroup v2 directory (%s)", path, strerror(errno));
		return err;
	}
	return 0;
}

int stats_map_add_other(int stats_fd)
{
	struct ptcopy_stats *zero = calloc(1, sizeof(*zero));
	struct ptcopy_label other = { .cgroup_id = PTCOPY_LABEL_OTHER, .comm = "other" };
	int err = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(stats_fd, &other, zero, BPF_NOEXIST)) {
		err = -errno;
		pr_err("creating the \"other\" label entry failed: %s", strerror(errno));
	}
	free(zero);
	return err;
}

/*
 * One line for a failed load, naming what failed from libbpf's first
 * warning: a map that could not be created (BPF memory is charged to the
 * memory cgroup, or to RLIMIT_MEMLOCK before Linux 5.11) or a program the
 * verifier refused (its log only with -v).
 */
static void load_failed(const char *what, int err)
{
	const char *why = log_libbpf_warning();
	const char *hint = " (run with -v for the verifier log)";

	if (why && !strncmp(why, "map '", 5))
		hint = err == -ENOMEM || err == -EPERM ?
		       " (BPF maps are charged to the memory cgroup, or to RLIMIT_MEMLOCK before Linux 5.11)" :
		       "";
	pr_err("loading %s failed: %s%s", what, why ? why : strerror(-err), hint);
}

static void make_config(struct session *s, const struct session_opts *o)
{
	struct ptcopy_config *c = &s->cfg;
	long page = sysconf(_SC_PAGESIZE);

	memset(c, 0, sizeof(*c));
	c->filter_tgid = o->pid;
	c->filter_cgroup = o->cgroup != NULL;
	if (o->comm)
		strncpy(c->filter_comm, o->comm, sizeof(c->filter_comm) - 1);
	c->hist_unit_ns = o->hist_unit_ns ? o->hist_unit_ns : 1000;
	c->label_mode = o->label_mode;
	c->page_shift = __builtin_ctzl(page > 0 ? page : 4096);
	c->mmap_lock_memcg = s->caps.mmap_lock_memcg;
	c->fork_events = o->fork_events;
	c->fork_events_min_ns = o->fork_events_min_ns;
	c->have = PTCOPY_HAVE_WINDOW;
	if (s->ops)
		c->have |= s->ops->have(&s->caps, s->tier);
	c->vmas = o->vmas;
	c->record = o->on_record ? SESSION_RECORD_RING / 2 : 0;
}

/*
 * ptcopy --vmas and --record (whose mapping slices come from them): the
 * per-mapping programs, or why this kernel has none. --vmas is refused
 * without them; --record records what the tier has, and says what not.
 */
static int want_vmas(struct session *s, const struct session_opts *o)
{
	char why[128];
	__u32 have;

	if (!o->vmas && !o->on_record)
		return 0;
	have = vmas_have(&s->caps, why, sizeof(why));
	if (!have && !o->vmas) {
		pr_warn("--record: no mapping slices: %s", why);
		return 0;
	}
	if (!have) {
		pr_err("--vmas: %s", why);
		return -EOPNOTSUPP;
	}
	s->cfg.have |= have;
	return 0;
}

static int open_window(struct session *s, const struct session_opts *o)
{
	int err;

	s->window = window_bpf__open_opts(obj_open_opts(o->btf_custom_path));
	if (!s->window) {
		err = -errno;
		pr_err("opening the BPF object failed: %s", strerror(errno));
		return err;
	}
	s->window->rodata->cfg = s->cfg;
	obj_pick_tp_variant(s->window->obj, s->caps.tp_btf);
	pick_frame(s);
	if (s->cfg.have & PTCOPY_HAVE_VMAS)
		vmas_pick(s->window, &s->caps, s->tier);
	if (s->cfg.record)
		bpf_map__set_max_entries(s->window->maps.ptcopy_records, SESSION_RECORD_RING);
	bpf_map__set_max_entries(s->window->maps.ptcopy_stats,
				 (o->max_labels ? o->max_labels : SESSION_DEFAULT_LABELS) + 1);
	log_libbpf_capture();
	err = window_bpf__load(s->window);
	if (err) {
		load_failed("the BPF programs", err);
		return err;
	}
	return 0;
}

static int open_tier_obj(struct session *s, const struct session_opts *o)
{
	int err;

	s->tier_skel = s->ops->open(&s->tier_bpf, o->btf_custom_path);
	if (!s->tier_skel) {
		err = -errno;
		pr_err("opening the %s tier's BPF object failed: %s", tier_name(s->tier),
		       strerror(errno));
		return err ? err : -EINVAL;
	}
	err = s->ops->configure(s->tier_skel, &s->cfg, &s->caps, s->tier);
	if (err)
		return err;
	err = reuse_window_maps(s);
	if (err)
		return err;
	log_libbpf_capture();
	err = s->ops->load(s->tier_skel);
	if (err) {
		char what[64];

		snprintf(what, sizeof(what), "the %s tier's BPF programs", tier_name(s->tier));
		load_failed(what, err);
		return err;
	}
	return 0;
}

int session_open(struct session **out, const struct session_opts *o,
		 const struct kernel_caps *caps)
{
	struct session *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cgroup_fd = -1;
	s->on_fork = o->on_fork;
	s->on_record = o->on_record;
	s->ctx = o->ctx;
	if (caps)
		s->caps = *caps;
	else
		probe_kernel(&s->caps);

	s->tier = tier_choose(&s->caps, o->tier, s->tier_why, sizeof(s->tier_why));
	if (s->tier == TIER_COUNT) {
		pr_err("%s", s->tier_why);
		err = -EOPNOTSUPP;
		goto fail;
	}
	if (s->tier != TIER_TRACEPOINT) {
		s->ops = tier_objs[s->tier];
		if (!s->ops) {
			pr_err("tier %s is not built into this ptcopy", tier_name(s->tier));
			err = -EOPNOTSUPP;
			goto fail;
		}
	}
	s->frame = frame_choose(&s->caps, o->frame, s->frame_why, sizeof(s->frame_why));
	if (s->frame == FRAME_COUNT) {
		pr_err("%s", s->frame_why);
		err = -EOPNOTSUPP;
		goto fail;
	}
	make_config(s, o);
	err = want_vmas(s, o);
	if (err)
		goto fail;

	err = open_window(s, o);
	if (err)
		goto fail;
	if (s->ops) {
		err = open_tier_obj(s, o);
		if (err)
			goto fail;
	}
	err = stats_map_add_other(bpf_map__fd(s->window->maps.ptcopy_stats));
	if (err)
		goto fail;
	if (o->cgroup) {
		err = set_cgroup_filter(s, o->cgroup);
		if (err)
			goto fail;
	}

	if (o->load_only) {
		collect_progs(s);
		*out = s;
		return 0;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->window->maps.ptcopy_events), handle_event, s,
				 NULL);
	if (!s->rb) {
		err = -errno;
		pr_err("creating the ring buffer reader failed: %s", strerror(errno));
		goto fail;
	}
	/* one epoll set: session_poll() delivers both kinds */
	if (s->on_record) {
		err = ring_buffer__add(s->rb, bpf_map__fd(s->window->maps.ptcopy_records),
				       handle_record, s);
		if (err) {
			pr_err("creating the --record ring buffer reader failed: %s",
			       strerror(-err));
			goto fail;
		}
	}
	/*
	 * Before any kprobe of this session goes into the text the inline
	 * tier reads (its own, or --vmas's on copy_page_range): keep it for
	 * later sessions, which will find the kprobes there.
	 */
	if (s->caps.inline_ok && inline_text_save())
		pr_warn("saving the kernel text for later inline sessions in %s failed: %s",
			INLINE_ORIG_FILE, strerror(errno));
	/* The tier's programs first: a window must never close on half a tier. */
	if (s->ops) {
		err = s->ops->attach(s->tier_skel, &s->caps, s->tier);
		if (err)
			goto fail;
	}
	err = window_bpf__attach(s->window);
	if (err) {
		pr_err("attaching the %s frame failed: %s", frame_name(s->frame), strerror(-err));
		goto fail;
	}
	collect_progs(s);
	*out = s;
	return 0;
fail:
	session_close(s);
	return err;
}

int session_poll(struct session *s, int timeout_ms)
{
	int err = ring_buffer__poll(s->rb, timeout_ms);

	return err == -EINTR ? 0 : err;
}

int session_poll_fd(const struct session *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int session_read(struct session *s, struct snapshot *snap)
{
	int stats_fd = bpf_map__fd(s->window->maps.ptcopy_stats);
	struct ptcopy_label key, next, *prev = NULL;
	size_t cap = 0;
	__u32 i;
	int err;

	memset(snap, 0, sizeof(*snap));
	i = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(s->window->maps.ptcopy_total), &i, &snap->total))
		return -errno;
	for (i = 0; i < PTCOPY_COUNTERS; i++)
		if (bpf_map_lookup_elem(bpf_map__fd(s->window->maps.ptcopy_counters), &i,
					&snap->counters[i]))
			return -errno;

	while (!bpf_map_get_next_key(stats_fd, prev, &next)) {
		if (snap->nlabels == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct label_stats *l = realloc(snap->labels, ncap * sizeof(*l));

			if (!l) {
				snapshot_free(snap);
				return -ENOMEM;
			}
			snap->labels = l;
			cap = ncap;
		}
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(stats_fd, &key, &snap->labels[snap->nlabels].stats)) {
			err = -errno;
			if (err == -ENOENT)
				continue;
			snapshot_free(snap);
			return err;
		}
		snap->labels[snap->nlabels].label = key;
		snap->nlabels++;
	}
	return 0;
}

enum tier session_tier(const struct session *s)
{
	return s->tier;
}

const char *session_tier_why(const struct session *s)
{
	return s->tier_why;
}

enum frame session_frame(const struct session *s)
{
	return s->frame;
}

const char *session_frame_why(const struct session *s)
{
	return s->frame_why;
}

const struct kernel_caps *session_caps(const struct session *s)
{
	return &s->caps;
}

__u32 session_have(const struct session *s)
{
	return s->cfg.have;
}

__u64 session_record_lost(const struct session *s)
{
	__u32 zero = 0;
	__u64 lost = 0;

	bpf_map_lookup_elem(bpf_map__fd(s->window->maps.ptcopy_record_lost), &zero, &lost);
	return lost;
}

struct bpf_object *session_bpf_object(const struct session *s, bool tier_obj)
{
	return tier_obj ? s->tier_bpf : s->window->obj;
}

size_t session_programs(const struct session *s, const struct prog_info **progs)
{
	*progs = s->progs;
	return s->nprogs;
}

void session_close(struct session *s)
{
	/*
	 * The clean text the probe kept for a session to save: the probe ran
	 * for this session's caller whether or not a session opened (--probe).
	 */
	inline_text_release();
	if (!s)
		return;
	ring_buffer__free(s->rb);
	/* Destroying the skeletons closes the links: the programs detach. */
	if (s->ops && s->tier_skel)
		s->ops->destroy(s->tier_skel);
	window_bpf__destroy(s->window);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	free(s);
}
