// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probing the running kernel for what ptcopy can attach to. Every answer
 * comes from trying or looking the thing up (BTF, tracefs, kallsyms, a test
 * load), never from the kernel's version number: distributions backport.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "inline_text.h"
#include "ksyms.h"
#include "kernel_enums.h"
#include "kread.h"
#include "log.h"
#include "frame.h"
#include "probe.h"
#include "ptcopy.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

const char *const patched_events[] = {
	"copy_pte_pass_start",
	"copy_pte_locked",
	"copy_pte_loop_end",
	"copy_pte_unlocked",
	"copy_pte_resched",
	"copy_pte_swap_cont",
	"copy_pte_prealloc_fail",
	"copy_pte_return",
	NULL,
};

static const char *const syscall_events[] = {
	"sys_enter_clone", "sys_exit_clone",
	"sys_enter_clone3", "sys_exit_clone3",
	"sys_enter_fork", "sys_exit_fork",
	NULL,
};

static const char *const mmap_lock_events[] = {
	"mmap_lock_start_locking",
	"mmap_lock_acquire_returned",
	"mmap_lock_released",
	NULL,
};

static const char *tracefs;

const char *tracefs_path(void)
{
	return tracefs;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void probe_privileges(struct kernel_caps *caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data)) {
		snprintf(caps->why_privileged, PROBE_NOTE_LEN, "capget: %s", strerror(errno));
		return;
	}
	eff = data[0].effective | (__u64)data[1].effective << 32;
	if (eff & (1ULL << CAP_SYS_ADMIN) ||
	    ((eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_PERFMON)))) {
		caps->privileged = true;
		return;
	}
	snprintf(caps->why_privileged, PROBE_NOTE_LEN,
		 "need root, or CAP_BPF and CAP_PERFMON (uid %u has neither)",
		 (unsigned int)geteuid());
}

/*
 * tracefs is only looked at, never mounted: no tier needs it (tracepoints
 * attach through BTF, kprobes through the kprobe PMU), and --probe reads
 * the syscall events there for information. A container without tracefs
 * traces all the same.
 */
static void probe_tracefs(struct kernel_caps *caps)
{
	if (dir_exists("/sys/kernel/tracing/events")) {
		tracefs = "/sys/kernel/tracing";
	} else if (dir_exists("/sys/kernel/debug/tracing/events")) {
		tracefs = "/sys/kernel/debug/tracing";
	} else {
		snprintf(caps->why_tracefs, PROBE_NOTE_LEN,
			 "not mounted (not needed: ptcopy attaches through BTF)");
		return;
	}
	caps->tracefs = true;
}

static bool trace_event_exists(const char *system, const char *event)
{
	char path[256];

	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, system, event);
	return !access(path, R_OK);
}

/* A raw tracepoint exists when BTF has its btf_trace_<name> typedef. */
static int raw_tp_nargs(const struct btf *btf, const char *event)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type);	/* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);	/* func proto */
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;			/* minus the void *__data */
}

static bool raw_tp_exists(const struct btf *btf, const char *system, const char *event)
{
	if (btf)
		return raw_tp_nargs(btf, event) >= 0;
	return trace_event_exists(system, event);
}

static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 btf_id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = attach,
		.attach_btf_id = btf_id,
	);

	return bpf_prog_load(type, "ptcopy_probe", "GPL", insns, 2, &opts);
}

static void probe_tp_btf(struct kernel_caps *caps, const struct btf *btf)
{
	int id, fd;

	id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id < 0)
		return;
	fd = load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id);
	if (fd >= 0) {
		caps->tp_btf = true;
		close(fd);
	}
}

/*
 * The kernel's ENOTSUPP (include/linux/errno.h), which no libc names:
 * bpf_arch_text_poke() cannot put a trampoline's call at the function's
 * entry. arm64 kernels without ftrace direct calls (before 6.4: Debian's
 * 6.1) answer it for every ftrace-patchable function.
 */
#define KERNEL_ENOTSUPP	524

static const char *attach_error(int err)
{
	if (err == KERNEL_ENOTSUPP)
#if defined(__aarch64__)
		return "ENOTSUPP: no BPF trampolines (arm64 needs ftrace direct calls, 6.4+)";
#else
		return "ENOTSUPP: the kernel cannot put a BPF trampoline there";
#endif
	return strerror(err);
}

/* fentry needs BTF, a JIT with trampolines and ftrace: try it for real. */
static void probe_fentry(struct kernel_caps *caps, const struct btf *btf)
{
	const char *target = caps->btf_copy_page_range ? "copy_page_range" : "__cond_resched";
	int id, fd, link;

	id = btf__find_by_name_kind(btf, target, BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(caps->why_fentry, PROBE_NOTE_LEN, "%s not in the kernel's BTF", target);
		return;
	}
	fd = load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id);
	if (fd < 0) {
		snprintf(caps->why_fentry, PROBE_NOTE_LEN, "fentry program refused: %s",
			 strerror(errno));
		return;
	}
	link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0) {
		snprintf(caps->why_fentry, PROBE_NOTE_LEN, "fentry attach to %s failed: %s",
			 target, attach_error(errno));
	} else {
		caps->fentry = true;
		close(link);
	}
	close(fd);
}

static void probe_kprobe(struct kernel_caps *caps)
{
	/* libbpf attaches kprobes through the kprobe PMU (perf_event_open). */
	if (!access("/sys/bus/event_source/devices/kprobe/type", R_OK))
		caps->kprobe = true;
	else
		snprintf(caps->why_kprobe, PROBE_NOTE_LEN,
			 "no kprobe PMU (kernel built without CONFIG_KPROBES?)");
}

static void probe_symbols(struct kernel_caps *caps, const struct ksyms *k)
{
	struct {
		const char *name;
		char *out;
	} want[] = {
		{ "copy_pte_range", caps->sym_copy_pte_range },
		{ "copy_page_range", caps->sym_copy_page_range },
		{ "add_swap_count_continuation", caps->sym_swap_cont },
		{ "__cond_resched", caps->sym_cond_resched },
		{ "copy_huge_pmd", caps->sym_copy_huge_pmd },
	};
	size_t i;

	if (!k)
		return;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* the name, or a compiler clone of it (name.isra.0) */
		const char *sym = ksyms_text_named(k, want[i].name);

		if (sym && strlen(sym) < PROBE_SYM_LEN)
			memcpy(want[i].out, sym, strlen(sym) + 1);
	}
}

static void probe_events(struct kernel_caps *caps, const struct btf *btf)
{
	int i;

	caps->tp_syscalls = true;
	for (i = 0; syscall_events[i]; i++) {
		if (!trace_event_exists("syscalls", syscall_events[i])) {
			/* informational only: the window hooks no syscall */
			caps->tp_syscalls = false;
			break;
		}
	}
	caps->tp_mmap_lock = true;
	for (i = 0; mmap_lock_events[i]; i++) {
		if (!raw_tp_exists(btf, "mmap_lock", mmap_lock_events[i])) {
			caps->tp_mmap_lock = false;
			if (!caps->missing_tp[0])
				snprintf(caps->missing_tp, PROBE_NOTE_LEN, "mmap_lock:%s",
					 mmap_lock_events[i]);
			break;
		}
	}
	if (btf)
		caps->mmap_lock_memcg = raw_tp_nargs(btf, "mmap_lock_acquire_returned") == 4;
	caps->tp_sched_switch = raw_tp_exists(btf, "sched", "sched_switch");

	caps->tp_patched = true;
	for (i = 0; patched_events[i]; i++) {
		if (!raw_tp_exists(btf, "copy_pte", patched_events[i])) {
			caps->tp_patched = false;
			snprintf(caps->missing_patched, PROBE_NOTE_LEN, "copy_pte:%s",
				 patched_events[i]);
			break;
		}
	}
	/* the patched tier reads the patch's enums through CO-RE: BTF must name them */
	if (caps->tp_patched && btf)
		caps->patched_enums = kernel_enums_match(btf, caps->why_patched_enums,
							 PROBE_NOTE_LEN);
	else if (caps->tp_patched)
		snprintf(caps->why_patched_enums, PROBE_NOTE_LEN, "no kernel BTF");
}

/*
 * PREEMPT_RT makes spinlock_t a sleeping lock built on rt_mutex: BTF of the
 * running kernel has struct spinlock { struct rt_mutex_base lock; ... }
 * instead of { union { struct raw_spinlock rlock; ... } }. This is the very
 * property that matters (a PTE lock holder can sleep and be preempted), read
 * from the kernel itself; /sys/kernel/realtime is only a flag file of the
 * out-of-tree RT patch set, absent from mainline (6.12's kernel/ksysfs.c).
 */
static bool member_is_rt_mutex(const struct btf *btf, const struct btf_type *t, int depth)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *mt = btf__type_by_id(btf, m->type);
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (!mt)
			continue;
		if ((!name || !name[0]) && btf_is_composite(mt) && depth < 2) {
			if (member_is_rt_mutex(btf, mt, depth + 1))
				return true;
			continue;
		}
		if (name && !strcmp(name, "lock") && btf_is_struct(mt) &&
		    !strcmp(btf__name_by_offset(btf, mt->name_off), "rt_mutex_base"))
			return true;
	}
	return false;
}

static bool btf_preempt_rt(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "spinlock", BTF_KIND_STRUCT);

	return id > 0 && member_is_rt_mutex(btf, btf__type_by_id(btf, id), 0);
}

/* The name of value v of the kernel's enum preempt_dynamic_* ("full"). */
static const char *preempt_mode_name(const struct btf *btf, int v)
{
	static const char prefix[] = "preempt_dynamic_";
	static char name[32];
	int id, n = btf__type_cnt(btf), i;

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;
		bool ours = false;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(btf, e[i].name_off), "preempt_dynamic_full"))
				ours = true;
		if (!ours)
			continue;
		for (i = 0; i < btf_vlen(t); i++) {
			const char *en = btf__name_by_offset(btf, e[i].name_off);

			if (e[i].val == v && !strncmp(en, prefix, sizeof(prefix) - 1)) {
				snprintf(name, sizeof(name), "%s", en + sizeof(prefix) - 1);
				return name;
			}
		}
	}
	return NULL;
}

/* kallsyms entries probe_preempt() needs, data symbols included */
enum ksym {
	KSYM_COND_RESCHED,		/* __cond_resched */
	KSYM_RETURN0,			/* __static_call_return0 */
	KSYM_SCK_COND,			/* the static call key: its first word is the function */
	KSYM_SCT_COND,			/* the static call trampoline: jmp to the function */
	KSYM_SK_COND,			/* static key arches: enabled count */
	KSYM_SCK_MIGHT,
	KSYM_SCT_MIGHT,
	KSYM_SK_MIGHT,
	KSYM_MODE,			/* preempt_dynamic_mode */
	KSYMS,
};

static const char *const ksym_names[KSYMS] = {
	[KSYM_COND_RESCHED] = "__cond_resched",
	[KSYM_RETURN0] = "__static_call_return0",
	[KSYM_SCK_COND] = "__SCK__cond_resched",
	[KSYM_SCT_COND] = "__SCT__cond_resched",
	[KSYM_SK_COND] = "sk_dynamic_cond_resched",
	[KSYM_SCK_MIGHT] = "__SCK__might_resched",
	[KSYM_SCT_MIGHT] = "__SCT__might_resched",
	[KSYM_SK_MIGHT] = "sk_dynamic_might_resched",
	[KSYM_MODE] = "preempt_dynamic_mode",
};

struct preempt_syms {
	bool found[KSYMS];
	__u64 addr[KSYMS];		/* 0 when kallsyms hides addresses */
};

static void read_ksyms(struct preempt_syms *k, const struct ksyms *syms)
{
	int i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < KSYMS; i++)
		k->found[i] = ksyms_addr(syms, ksym_names[i], &k->addr[i]);
}

/* kernel words the preemption probe reads */
#define PROBE_KREAD_MAX	4

/*
 * Read the words at addr[] (0: skipped): err[i] 0 or the read's -errno.
 * -1 with why if the reader cannot run at all.
 */
static int kread_words(const __u64 *addr, __u64 *word, int *err, char *why, size_t len)
{
	struct kread *r = kread_open(why, len);
	char one[128];
	int i;

	if (!r)
		return -1;
	for (i = 0; i < PROBE_KREAD_MAX; i++) {
		word[i] = 0;
		err[i] = addr[i] ? kread_bytes(r, addr[i], &word[i], sizeof(word[i]), one,
					       sizeof(one)) : 0;
	}
	kread_close(r);
	return 0;
}

/*
 * Where a static call, a static key or a trampoline sends cond_resched() or
 * might_resched(): *known false if it cannot be told, else *calls whether it
 * is __cond_resched. slot: the KSYM_SCK_*, KSYM_SCT_* or KSYM_SK_* read.
 */
static void resolve_target(const struct preempt_syms *k, int slot, __u64 word, __u64 addr,
			   bool *known, bool *calls)
{
	*known = true;
	switch (slot) {
	case KSYM_SCK_COND:
	case KSYM_SCK_MIGHT:
		/* struct static_call_key: .func first; NULL or return0 when off */
		*calls = word == k->addr[KSYM_COND_RESCHED];
		return;
	case KSYM_SK_COND:
	case KSYM_SK_MIGHT:
		/* struct static_key: atomic_t enabled first */
		*calls = (int)(word & 0xffffffffu) > 0;
		return;
	default:
		break;
	}
#if defined(__x86_64__)
	/* arch/x86 static call trampoline: jmp.d32 <func>, or ret (NULL) */
	if ((word & 0xff) == 0xe9) {
		__u64 target = addr + 5 + (__s64)(__s32)(word >> 8);

		*calls = target == k->addr[KSYM_COND_RESCHED];
		return;
	}
	if ((word & 0xff) == 0xc3) {
		*calls = false;
		return;
	}
#else
	(void)addr;
#endif
	*known = false;
}

/*
 * Where cond_resched() goes, read from the kernel: the static call key's
 * function (or the trampoline's jump where kallsyms lists no data
 * symbols), exactly what every cond_resched() call site runs. The
 * preempt_dynamic_mode variable only names the mode, and the debugfs file
 * that shows it needs debugfs mounted (and readable: lockdown refuses it).
 */
static void probe_preempt(struct kernel_caps *caps, const struct btf *btf,
			  const struct ksyms *syms)
{
	struct preempt_obs o = {};
	__u64 addr[PROBE_KREAD_MAX] = {}, word[PROBE_KREAD_MAX] = {};
	int err[PROBE_KREAD_MAX] = {}, cond = -1, might = -1, i;
	struct preempt_syms k;

	if (!syms) {
		/* no symbols, no answer: not "__cond_resched compiled out" */
		caps->preempt_rt = btf && btf_preempt_rt(btf);
		snprintf(caps->preempt_mode, sizeof(caps->preempt_mode), "unknown");
		snprintf(caps->why_resched, PROBE_NOTE_LEN, "preemption unknown: %.100s",
			 caps->why_ksyms);
		return;
	}
	read_ksyms(&k, syms);
	o.rt = btf && btf_preempt_rt(btf);
	o.cond_resched_fn = k.found[KSYM_COND_RESCHED];
	o.dynamic = k.found[KSYM_SCK_COND] || k.found[KSYM_SCT_COND] || k.found[KSYM_SK_COND];
	if (o.cond_resched_fn && o.dynamic) {
		for (i = KSYM_SCK_COND; i <= KSYM_SK_COND && cond < 0; i++)
			if (k.addr[i] && (i != KSYM_SCT_COND || k.addr[KSYM_COND_RESCHED]))
				cond = i;
		for (i = KSYM_SCK_MIGHT; i <= KSYM_SK_MIGHT && might < 0; i++)
			if (k.addr[i])
				might = i;
		addr[0] = cond >= 0 ? k.addr[cond] : 0;
		addr[1] = might >= 0 ? k.addr[might] : 0;
		addr[2] = k.addr[KSYM_MODE];
		if (cond < 0)
			snprintf(o.read_error, sizeof(o.read_error),
				 "kallsyms shows no address for cond_resched's static call");
		else if (!caps->privileged)
			snprintf(o.read_error, sizeof(o.read_error), "not privileged");
		else if (!kread_words(addr, word, err, o.read_error, sizeof(o.read_error))) {
			if (err[0])
				snprintf(o.read_error, sizeof(o.read_error),
					 "reading %s failed: %s", ksym_names[cond], strerror(-err[0]));
			else
				resolve_target(&k, cond, word[0], addr[0], &o.target_known,
					       &o.calls_cond_resched);
			if (addr[1] && !err[1])
				resolve_target(&k, might, word[1], addr[1], &o.might_known,
					       &o.might_calls);
			if (addr[2] && !err[2] && btf)
				o.mode_name = preempt_mode_name(btf, (int)(word[2] & 0xffffffffu));
			if (!o.target_known && !o.read_error[0])
				snprintf(o.read_error, sizeof(o.read_error),
					 "%s holds nothing ptcopy understands", ksym_names[cond]);
		}
	}
	preempt_decide(caps, &o);
}

void preempt_decide(struct kernel_caps *c, const struct preempt_obs *o)
{
	const char *mode;

	c->preempt_rt = o->rt;
	c->preempt_dynamic = o->cond_resched_fn && o->dynamic;
	c->cond_resched_calls = false;
	c->why_resched[0] = '\0';
	if (!o->cond_resched_fn) {
		/* CONFIG_PREEMPT(_RT) without PREEMPT_DYNAMIC: cond_resched() is empty */
		snprintf(c->preempt_mode, sizeof(c->preempt_mode), "%s", o->rt ? "rt" : "full");
		snprintf(c->why_resched, PROBE_NOTE_LEN,
			 "preemption %s: no __cond_resched, cond_resched() is compiled out",
			 c->preempt_mode);
		return;
	}
	if (!o->dynamic) {
		/* CONFIG_PREEMPT_NONE or _VOLUNTARY: cond_resched() is a plain call */
		snprintf(c->preempt_mode, sizeof(c->preempt_mode), "none or voluntary");
		c->cond_resched_calls = true;
		return;
	}
	if (o->mode_name)
		mode = o->mode_name;
	else if (!o->target_known)
		mode = "unknown";
	else if (o->calls_cond_resched)
		mode = !o->might_known ? "none or voluntary" : o->might_calls ? "voluntary" : "none";
	else
		mode = "full or lazy";
	snprintf(c->preempt_mode, sizeof(c->preempt_mode), "%s", mode);
	if (!o->target_known) {
		snprintf(c->why_resched, PROBE_NOTE_LEN,
			 "PREEMPT_DYNAMIC and where cond_resched() goes is unknown: %.60s",
			 o->read_error);
		return;
	}
	if (!o->calls_cond_resched) {
		snprintf(c->why_resched, PROBE_NOTE_LEN,
			 "preemption %s: cond_resched() does not call __cond_resched", mode);
		return;
	}
	c->cond_resched_calls = true;
}

void probe_kernel(struct kernel_caps *caps)
{
	struct ksyms *ksyms;
	struct btf *btf;

	memset(caps, 0, sizeof(*caps));
	probe_privileges(caps);
	probe_tracefs(caps);
	/* one read for every probe below: the file is most of their cost */
	ksyms = ksyms_load();
	if (!ksyms)
		snprintf(caps->why_ksyms, PROBE_NOTE_LEN, "reading /proc/kallsyms: %s",
			 errno == ENODATA ?
			 "no functions in it (hidden, e.g. by systemd's ProtectKernelTunables=)" :
			 strerror(errno));

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		/* libbpf's errno after trying several places says little: be specific */
		if (access("/sys/kernel/btf/vmlinux", R_OK))
			snprintf(caps->why_btf, PROBE_NOTE_LEN,
				 "kernel BTF unavailable (/sys/kernel/btf/vmlinux: %s; CONFIG_DEBUG_INFO_BTF=y needed)",
				 strerror(errno));
		else
			snprintf(caps->why_btf, PROBE_NOTE_LEN,
				 "kernel BTF unavailable (/sys/kernel/btf/vmlinux cannot be parsed)");
	} else {
		caps->btf = true;
		caps->btf_copy_pte_range =
			btf__find_by_name_kind(btf, "copy_pte_range", BTF_KIND_FUNC) > 0;
		caps->btf_copy_page_range =
			btf__find_by_name_kind(btf, "copy_page_range", BTF_KIND_FUNC) > 0;
		caps->btf_swap_cont =
			btf__find_by_name_kind(btf, "add_swap_count_continuation", BTF_KIND_FUNC) > 0;
	}
	probe_events(caps, btf);
	probe_symbols(caps, ksyms);
	/*
	 * fentry attaches by BTF name to the symbol of that exact name: an
	 * inlined function, or only a compiler clone (copy_pte_range.isra.0),
	 * is no fentry target even if BTF describes it.
	 */
	if (strcmp(caps->sym_copy_pte_range, "copy_pte_range"))
		caps->btf_copy_pte_range = false;
	if (strcmp(caps->sym_copy_page_range, "copy_page_range"))
		caps->btf_copy_page_range = false;
	if (strcmp(caps->sym_swap_cont, "add_swap_count_continuation"))
		caps->btf_swap_cont = false;
	if (caps->privileged && btf) {
		probe_tp_btf(caps, btf);
		probe_fentry(caps, btf);
	} else if (!caps->privileged) {
		snprintf(caps->why_fentry, PROBE_NOTE_LEN, "not privileged");
	} else {
		snprintf(caps->why_fentry, PROBE_NOTE_LEN, "no kernel BTF");
	}
	frame_probe(caps, btf, ksyms);
	probe_kprobe(caps);
	probe_preempt(caps, btf, ksyms);
	if (caps->privileged)
		probe_inline(caps, ksyms);
	else
		snprintf(caps->why_inline, sizeof(caps->why_inline), "not privileged");
	ksyms_free(ksyms);
	btf__free(btf);
}
