// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptcopy --probe: what this kernel offers, each tier's verdict, the choice. */
#include <string.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#include "inline_orig.h"
#include "probe_print.h"
#include "vmas.h"

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static const char *sym_or_no(const struct kernel_caps *c, const char *sym)
{
	if (c->why_ksyms[0])
		return "unknown (no kernel symbols)";
	return sym[0] ? sym : "no (inlined or absent)";
}

/*
 * copy_pte_range's pass found in the live text, or why not; -v: each site,
 * as symbol+offset and the instruction there, to check against the source,
 * and whether a kprobe there would be optimized ([jump]) or trap ([int3]).
 */
static void text_inline(FILE *f, const struct kernel_caps *c, bool verbose)
{
	int k;

	if (!c->inline_ok) {
		fprintf(f, "inline sites          no: %s\n", c->why_inline);
		return;
	}
	fprintf(f, "inline sites          %s at 0x%llx%s%s\n", c->inline_func, c->inline_addr,
		c->inline_sites.resched_patched_out ? " (cond_resched patched to return 0)" : "",
		c->inline_sites.saved_text ?
		" (in the text saved in " INLINE_ORIG_FILE ": the live one has kprobes)" : "");
	if (!verbose)
		return;
	for (k = 0; k < INLINE_SITE_COUNT; k++) {
		const struct inline_site *s = &c->inline_sites.site[k];

		if (s->found)
			fprintf(f, "inline site           %-17s %s+0x%x %s %s\n", inline_site_name(k),
				c->inline_func, s->off, s->optimizable ? "[jump]" : "[int3]", s->insn);
	}
	if (c->inline_sites.range_addr.reg != PTCOPY_REG_NONE) {
		char a[32], e[32];

		inline_loc_format(a, sizeof(a), &c->inline_sites.range_addr);
		inline_loc_format(e, sizeof(e), &c->inline_sites.range_end);
		fprintf(f, "inline range          addr=%s end=%s at pass_start (--record)\n", a, e);
	} else {
		fprintf(f, "inline range          no: %s\n", c->inline_sites.range_why);
	}
}

/* A place as JSON: "0x58(%rsp)", or null where it is not known. */
static struct json_object *json_loc(const struct ptcopy_loc *l)
{
	char buf[32];

	if (l->reg == PTCOPY_REG_NONE)
		return NULL;
	inline_loc_format(buf, sizeof(buf), l);
	return json_object_new_string(buf);
}

/*
 * Whether ptcopy --record with tier t records events of type (the table's
 * PTCOPY_REC_*): the window and stalls on every tier, mappings where
 * copy_page_range() can be probed, passes, lock-breaks and retries on the
 * tiers that see passes.
 */
static bool records(const struct kernel_caps *c, enum tier t, __u32 type)
{
	char why[128];

	switch (type) {
	case PTCOPY_REC_VMA:
		return vmas_have(c, why, sizeof(why)) & PTCOPY_HAVE_VMAS;
	case PTCOPY_REC_PASS:
	case PTCOPY_REC_LOCK_BREAK:
	case PTCOPY_REC_RETRY:
		return t == TIER_PATCHED || t == TIER_INLINE;
	default:
		return true;
	}
}

/* "window, vma, ...": what --record records with the chosen tier */
static void text_records(FILE *f, const struct kernel_caps *c, enum tier t)
{
	const char *sep = "";

	fprintf(f, "timeline (--record)   ");
	if (t == TIER_COUNT) {
		fprintf(f, "no: no tier\n");
		return;
	}
#define REC(id, value, name, phase)					\
	if (records(c, t, PTCOPY_REC_##id)) {				\
		fprintf(f, "%s%s", sep, #name);				\
		sep = ", ";						\
	}
	PTCOPY_RECORD_TABLE(REC)
#undef REC
	fprintf(f, "\n");
}

static struct json_object *json_records(const struct kernel_caps *c, enum tier t)
{
	struct json_object *a;

	if (t == TIER_COUNT)
		return NULL;
	a = json_object_new_array();
#define REC(id, value, name, phase)					\
	if (records(c, t, PTCOPY_REC_##id))				\
		json_object_array_add(a, json_object_new_string(#name));
	PTCOPY_RECORD_TABLE(REC)
#undef REC
	return a;
}

static void text_probe(FILE *f, const struct probe_report *r)
{
	const struct kernel_caps *c = r->caps;
	enum tier chosen = r->chosen;
	const char *why = r->why;
	struct utsname u;
	char reason[256];
	size_t i;
	int t;

	uname(&u);
	fprintf(f, "kernel                %s %s\n", u.release, u.machine);
	fprintf(f, "privileges            %s%s%s\n", yes_no(c->privileged),
		c->privileged ? "" : ": ", c->why_privileged);
	fprintf(f, "BTF                   %s%s%s\n", yes_no(c->btf), c->btf ? "" : ": ", c->why_btf);
	fprintf(f, "tracefs               %s%s%s\n", c->tracefs ? tracefs_path() : "no",
		c->tracefs ? "" : ": ", c->why_tracefs);
	fprintf(f, "tp_btf programs       %s\n", c->tp_btf ? "yes" : "no (raw_tp used)");
	fprintf(f, "fentry                %s%s%s\n", yes_no(c->fentry), c->fentry ? "" : ": ",
		c->why_fentry);
	fprintf(f, "kprobes               %s%s%s\n", yes_no(c->kprobe), c->kprobe ? "" : ": ",
		c->why_kprobe);
	fprintf(f, "syscall tracepoints   %s\n", yes_no(c->tp_syscalls));
	fprintf(f, "mmap_lock tracepoints %s%s\n", yes_no(c->tp_mmap_lock),
		c->tp_mmap_lock ? (c->mmap_lock_memcg ? " (with memcg_path)" : "") : "");
	fprintf(f, "sched_switch          %s\n", yes_no(c->tp_sched_switch));
	fprintf(f, "frame functions       %s%s%s%s\n", yes_no(c->frame_fns),
		c->frame_fns ? "" : ": ", c->frame_fns ? "" : c->why_frame_fns,
		c->frame_fns && c->frame_fail_fn ? " (with dup_userfaultfd_fail)" : "");
	fprintf(f, "copy_pte tracepoints  %s%s%s\n", yes_no(c->tp_patched),
		c->tp_patched ? "" : ": missing ", c->missing_patched);
	if (c->tp_patched)
		fprintf(f, "copy_pte enums        %s%s%s\n", c->patched_enums ?
			"as ptcopy names them (values through CO-RE)" : "no", c->patched_enums ? "" : ": ",
			c->why_patched_enums);
	fprintf(f, "kallsyms              %s%s\n", c->why_ksyms[0] ? "no: " : "yes", c->why_ksyms);
	fprintf(f, "copy_pte_range        %s%s\n", sym_or_no(c, c->sym_copy_pte_range),
		c->btf_copy_pte_range ? " (in BTF)" : "");
	fprintf(f, "copy_page_range       %s%s\n", sym_or_no(c, c->sym_copy_page_range),
		c->btf_copy_page_range ? " (in BTF)" : "");
	fprintf(f, "add_swap_count_continuation %s\n", sym_or_no(c, c->sym_swap_cont));
	fprintf(f, "__cond_resched        %s\n", sym_or_no(c, c->sym_cond_resched));
	fprintf(f, "copy_huge_pmd         %s\n", sym_or_no(c, c->sym_copy_huge_pmd));
	if (vmas_have(c, reason, sizeof(reason)) & PTCOPY_HAVE_VMAS)
		fprintf(f, "per mapping (--vmas)  %s on copy_page_range%s\n", vmas_how(c, chosen),
			vmas_have(c, reason, sizeof(reason)) & PTCOPY_HAVE_HUGE_PMD ?
			", kretprobe on copy_huge_pmd" : "");
	else
		fprintf(f, "per mapping (--vmas)  no: %s\n", reason);
	text_records(f, c, chosen);
	fprintf(f, "preemption            %s%s%s\n", c->preempt_mode[0] ? c->preempt_mode : "unknown",
		c->preempt_dynamic ? " (PREEMPT_DYNAMIC)" : "", c->preempt_rt ? " (PREEMPT_RT)" : "");
	fprintf(f, "cond_resched()        %s\n", c->cond_resched_calls ? "calls __cond_resched" :
		c->why_resched);
	text_inline(f, c, r->verbose);
	for (t = TIER_PATCHED; t < TIER_COUNT; t++) {
		bool ok = tier_available(c, t, reason, sizeof(reason));

		fprintf(f, "tier %-16s %s%s%s\n", tier_name(t), ok ? "available" : "unavailable",
			ok ? "" : ": ", ok ? "" : reason);
	}
	if (chosen == TIER_COUNT) {
		fprintf(f, "chosen                none: %s\n", why);
		return;
	}
	fprintf(f, "chosen                %s: %s\n", tier_name(chosen), why);
	/* what the chosen tier leaves out of cond_resched, and why */
	if (tier_resched(c, chosen, reason, sizeof(reason)))
		fprintf(f, "cond_resched counts   measured\n");
	else
		fprintf(f, "cond_resched counts   absent: %s\n", reason);
	fprintf(f, "frame                 %s: %s\n",
		r->frame == FRAME_COUNT ? "none" : frame_name(r->frame), r->frame_why ? r->frame_why : "");
	if (!r->loaded) {
		fprintf(f, "attach points         not loaded (see the error above)\n");
		return;
	}
	/* the program type (the section up to its '/'), the target, the name */
	for (i = 0; i < r->nprogs; i++) {
		const char *sec = r->progs[i].section, *slash = strchr(sec, '/');
		int kind = slash ? (int)(slash - sec) : (int)strlen(sec);

		fprintf(f, "%-21s %-10.*s %-30s %s\n", i ? "" : "attach points", kind, sec,
			r->progs[i].target, r->progs[i].name);
	}
}

/* The inline sites as in text_inline(), all of them whatever -v says. */
static struct json_object *json_inline(const struct kernel_caps *c)
{
	struct json_object *o = json_object_new_object(), *sites = NULL;
	int k;

	json_object_object_add(o, "ok", json_object_new_boolean(c->inline_ok));
	json_object_object_add(o, "func", c->inline_ok ? json_object_new_string(c->inline_func) : NULL);
	json_object_object_add(o, "addr", c->inline_ok ? json_object_new_uint64(c->inline_addr) : NULL);
	json_object_object_add(o, "resched_patched_out",
			       json_object_new_boolean(c->inline_sites.resched_patched_out));
	json_object_object_add(o, "saved_text", json_object_new_boolean(c->inline_sites.saved_text));
	json_object_object_add(o, "why", c->inline_ok ? NULL : json_object_new_string(c->why_inline));
	if (c->inline_ok) {
		sites = json_object_new_object();
		for (k = 0; k < INLINE_SITE_COUNT; k++) {
			const struct inline_site *s = &c->inline_sites.site[k];
			struct json_object *x;

			if (!s->found)
				continue;
			x = json_object_new_object();
			json_object_object_add(x, "offset", json_object_new_uint64(s->off));
			json_object_object_add(x, "insn", json_object_new_string(s->insn));
			json_object_object_add(x, "optimizable", json_object_new_boolean(s->optimizable));
			json_object_object_add(sites, inline_site_name(k), x);
		}
	}
	json_object_object_add(o, "sites", sites);
	json_object_object_add(o, "range_addr", json_loc(&c->inline_sites.range_addr));
	json_object_object_add(o, "range_end", json_loc(&c->inline_sites.range_end));
	json_object_object_add(o, "why_range",
			       c->inline_ok && c->inline_sites.range_addr.reg == PTCOPY_REG_NONE ?
			       json_object_new_string(c->inline_sites.range_why) : NULL);
	return o;
}

static struct json_object *json_attach(const struct probe_report *r)
{
	struct json_object *a;
	size_t i;

	if (!r->loaded)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < r->nprogs; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "program", json_object_new_string(r->progs[i].name));
		json_object_object_add(p, "section", json_object_new_string(r->progs[i].section));
		json_object_object_add(p, "target", json_object_new_string(r->progs[i].target));
		json_object_array_add(a, p);
	}
	return a;
}

static void json_probe(FILE *f, const struct probe_report *r)
{
	struct json_object *o = json_object_new_object(), *tiers = json_object_new_object();
	const struct kernel_caps *c = r->caps;
	enum tier chosen = r->chosen;
	const char *why = r->why;
	struct utsname u;
	char reason[256];
	__u32 have;
	int t;

#define B(k, v) json_object_object_add(o, k, json_object_new_boolean(v))
#define S(k, v) json_object_object_add(o, k, (v)[0] ? json_object_new_string(v) : NULL)
	uname(&u);
	json_object_object_add(o, "type", json_object_new_string("probe"));
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	B("privileged", c->privileged);
	B("btf", c->btf);
	B("tracefs", c->tracefs);
	B("tp_btf", c->tp_btf);
	B("fentry", c->fentry);
	B("kprobe", c->kprobe);
	B("tp_syscalls", c->tp_syscalls);
	B("tp_mmap_lock", c->tp_mmap_lock);
	B("mmap_lock_memcg", c->mmap_lock_memcg);
	B("tp_sched_switch", c->tp_sched_switch);
	B("frame_fns", c->frame_fns);
	B("tp_patched", c->tp_patched);
	S("why_ksyms", c->why_ksyms);
	S("sym_copy_pte_range", c->sym_copy_pte_range);
	S("sym_copy_page_range", c->sym_copy_page_range);
	S("sym_add_swap_count_continuation", c->sym_swap_cont);
	S("sym_cond_resched", c->sym_cond_resched);
	S("sym_copy_huge_pmd", c->sym_copy_huge_pmd);
	B("btf_copy_pte_range", c->btf_copy_pte_range);
	B("btf_copy_page_range", c->btf_copy_page_range);
	S("preempt_mode", c->preempt_mode);
	B("preempt_dynamic", c->preempt_dynamic);
	B("preempt_rt", c->preempt_rt);
	B("cond_resched_calls", c->cond_resched_calls);
	S("why_resched", c->why_resched);
#undef B
#undef S
	json_object_object_add(o, "inline", json_inline(c));
	have = vmas_have(c, reason, sizeof(reason));
	json_object_object_add(o, "vmas", have ? json_object_new_string(vmas_how(c, chosen)) : NULL);
	json_object_object_add(o, "why_vmas", have ? NULL : json_object_new_string(reason));
	json_object_object_add(o, "vmas_huge_pmd",
			       json_object_new_boolean(have & PTCOPY_HAVE_HUGE_PMD));
	json_object_object_add(o, "record", json_records(c, chosen));
	for (t = TIER_PATCHED; t < TIER_COUNT; t++) {
		struct json_object *x = json_object_new_object();
		bool ok = tier_available(c, t, reason, sizeof(reason));

		json_object_object_add(x, "available", json_object_new_boolean(ok));
		json_object_object_add(x, "why", ok ? NULL : json_object_new_string(reason));
		/*
		 * What --probe's text says for the chosen tier, for each
		 * available one (an unavailable tier's would be a guess: the
		 * inline tier's depends on the text it did not recognise).
		 */
		if (ok) {
			bool counted = tier_resched(c, t, reason, sizeof(reason));

			json_object_object_add(x, "cond_resched", json_object_new_boolean(counted));
			json_object_object_add(x, "why_cond_resched",
					       counted ? NULL : json_object_new_string(reason));
		} else {
			json_object_object_add(x, "cond_resched", NULL);
			json_object_object_add(x, "why_cond_resched", NULL);
		}
		json_object_object_add(tiers, tier_name(t), x);
	}
	json_object_object_add(o, "tiers", tiers);
	json_object_object_add(o, "chosen", chosen == TIER_COUNT ? NULL :
				json_object_new_string(tier_name(chosen)));
	json_object_object_add(o, "why", json_object_new_string(why));
	json_object_object_add(o, "frame", r->frame == FRAME_COUNT ? NULL :
				json_object_new_string(frame_name(r->frame)));
	json_object_object_add(o, "frame_why", json_object_new_string(r->frame_why ? r->frame_why : ""));
	json_object_object_add(o, "attach", json_attach(r));
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

void probe_print(FILE *f, bool json, const struct probe_report *r)
{
	if (json)
		json_probe(f, r);
	else
		text_probe(f, r);
}
