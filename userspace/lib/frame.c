// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Which frame a kernel can run, and the choice between them. */
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "args.h"
#include "frame.h"
#include "ksyms.h"

static const char *const names[FRAME_COUNT] = {
	[FRAME_AUTO] = "auto",
	[FRAME_MMAP_LOCK] = "mmap_lock",
	[FRAME_FENTRY] = "fentry",
};

/*
 * The functions bpf/frame_fentry.bpf.h attaches to (dup_userfaultfd_fail,
 * only in 6.12 and later, is optional): each must be in the kernel's BTF and
 * a symbol of that exact name, or fentry cannot attach to it.
 */
static const char *const frame_fns[] = {
	"uprobe_start_dup_mmap",
	"uprobe_dup_mmap",
	"dup_userfaultfd_complete",
	"uprobe_end_dup_mmap",
	"rwsem_down_read_slowpath",
	"rwsem_down_write_slowpath",
	NULL,
};
#define FAIL_FN	"dup_userfaultfd_fail"
#define NFNS	(sizeof(frame_fns) / sizeof(frame_fns[0]))

const char *frame_name(enum frame f)
{
	return f >= 0 && f < FRAME_COUNT ? names[f] : "?";
}

enum frame frame_from_name(const char *name, char *err, size_t errlen)
{
	int f = args_choice("frame", name, names, FRAME_COUNT, err, errlen);

	return f < 0 ? FRAME_COUNT : f;
}

void frame_probe(struct kernel_caps *caps, const struct btf *btf, const struct ksyms *k)
{
	const char *want[NFNS + 1];
	bool sym[NFNS + 1] = { false };
	int i, n = 0;

	caps->frame_fns = false;
	caps->frame_fail_fn = false;
	if (!btf) {
		snprintf(caps->why_frame_fns, PROBE_NOTE_LEN, "no kernel BTF");
		return;
	}
	/* which functions are symbols, not inlined: only kallsyms says */
	if (!k) {
		snprintf(caps->why_frame_fns, PROBE_NOTE_LEN, "%s", caps->why_ksyms);
		return;
	}
	for (i = 0; frame_fns[i]; i++)
		want[n++] = frame_fns[i];
	want[n++] = FAIL_FN;
	want[n] = NULL;
	/* fentry attaches to the function of that exact name */
	for (i = 0; want[i]; i++)
		sym[i] = ksyms_text_exact(k, want[i]);
	for (i = 0; frame_fns[i]; i++) {
		if (btf__find_by_name_kind(btf, frame_fns[i], BTF_KIND_FUNC) <= 0) {
			snprintf(caps->why_frame_fns, PROBE_NOTE_LEN, "%s not in the kernel's BTF",
				 frame_fns[i]);
			return;
		}
		if (!sym[i]) {
			snprintf(caps->why_frame_fns, PROBE_NOTE_LEN,
				 "%s is not a kernel function (inlined or renamed)", frame_fns[i]);
			return;
		}
	}
	caps->frame_fns = true;
	caps->frame_fail_fn = sym[n - 1] &&
			      btf__find_by_name_kind(btf, FAIL_FN, BTF_KIND_FUNC) > 0;
}

static bool fentry_ok(const struct kernel_caps *c, char *why, size_t len)
{
	if (!c->fentry) {
		snprintf(why, len, "fentry unavailable: %s", c->why_fentry);
		return false;
	}
	if (!c->frame_fns) {
		snprintf(why, len, "%s", c->why_frame_fns);
		return false;
	}
	return true;
}

enum frame frame_choose(const struct kernel_caps *c, enum frame forced, char *why, size_t len)
{
	char no[PROBE_NOTE_LEN + 32];

	switch (forced) {
	case FRAME_FENTRY:
		if (!fentry_ok(c, no, sizeof(no))) {
			snprintf(why, len, "frame fentry cannot run here: %s", no);
			return FRAME_COUNT;
		}
		snprintf(why, len, "forced");
		return FRAME_FENTRY;
	case FRAME_MMAP_LOCK:
		if (!c->tp_mmap_lock) {
			snprintf(why, len, "frame mmap_lock cannot run here: tracepoint %s missing",
				 c->missing_tp);
			return FRAME_COUNT;
		}
		snprintf(why, len, "forced");
		return FRAME_MMAP_LOCK;
	default:
		break;
	}
	if (fentry_ok(c, no, sizeof(no))) {
		if (c->mmap_lock_memcg || !c->tp_mmap_lock) {
			snprintf(why, len, "%s", c->tp_mmap_lock ?
				 "the mmap_lock events carry memcg_path: a probe on them costs every mmap_lock event the memcg path" :
				 "no mmap_lock tracepoints");
			return FRAME_FENTRY;
		}
		snprintf(why, len, "mmap_lock events without memcg_path cost a flag test each");
		return FRAME_MMAP_LOCK;
	}
	if (c->tp_mmap_lock) {
		snprintf(why, len, "%s", no);
		return FRAME_MMAP_LOCK;
	}
	snprintf(why, len, "no frame: tracepoint %s missing, and %s", c->missing_tp, no);
	return FRAME_COUNT;
}
