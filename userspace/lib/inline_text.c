// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live text for the inline tier, and where its pass is (lib/ksyms.h). The code is read through
 * a BPF program rather than /proc/kcore: see bpf/kread.bpf.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "inline_sites.h"
#include "inline_orig.h"
#include "inline_text.h"
#include "kread.h"

#if defined(__aarch64__)
#define PTCOPY_ARCH_NAME	"arm64"
#elif !defined(__x86_64__)
#define PTCOPY_ARCH_NAME	"non-x86-64"
#endif

/* Longer than any copy_page_range seen (6.12: 6.4 KiB): not a guess of ours. */
#define INLINE_MAX_TEXT	(64 * 1024)

#if !defined(__x86_64__)
int inline_text_save(void)
{
	return 0;
}

void inline_text_release(void)
{
}
#endif

int inline_read_text(__u64 addr, void *buf, size_t len, char *why, size_t why_len)
{
	struct kread *r = kread_open(why, why_len);
	int err;

	if (!r)
		return -1;
	err = kread_bytes(r, addr, buf, len, why, why_len);
	kread_close(r);
	return err ? -1 : 0;
}

#if defined(__x86_64__)
/*
 * The live text holds other sessions' kprobes (an int3, or an optimized
 * probe's jump, where ptcopy or another tool probed it): recognise the
 * text a session saved before any of them, if the two differ only under
 * the kprobes the kernel lists in this function. 0 with the sites, or -1
 * with why the saved text could not stand in.
 */
static int recognise_saved(struct kernel_caps *caps, const struct ksyms *k, const __u8 *live,
			   __u64 addr, __u64 size, const char *name, char *why, size_t why_len)
{
	__u64 probes[64];
	char boot[40];
	__u8 *orig;
	FILE *f;
	int n, err = -1;

	if (boot_id_read(BOOT_ID, boot)) {
		snprintf(why, why_len, "no boot id (%s)", BOOT_ID);
		return -1;
	}
	f = fopen(KPROBES_LIST, "r");
	if (!f) {
		snprintf(why, why_len, "%s: %s (debugfs tells where the kprobes are)", KPROBES_LIST,
			 strerror(errno));
		return -1;
	}
	n = kprobes_in(f, addr, addr + size, probes, sizeof(probes) / sizeof(probes[0]));
	fclose(f);
	if (n < 0) {
		snprintf(why, why_len, "%s: not a kprobes list", KPROBES_LIST);
		return -1;
	}
	orig = malloc(size);
	if (!orig) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	if (!inline_orig_load(INLINE_ORIG_FILE, boot, name, addr, orig, size, why, why_len) &&
	    !inline_orig_check(live, orig, size, addr, probes, n, why, why_len)) {
		err = inline_recognise(orig, size, addr, ksyms_at, (void *)k, &caps->inline_sites,
				       why, why_len);
		caps->inline_sites.saved_text = !err;
	}
	free(orig);
	return err;
}

/*
 * The live text this process recognised without anyone's kprobes in it,
 * kept until a session attaches the tier (inline_text_save()): only a
 * session that puts kprobes in the text writes it down, --probe does not.
 */
static struct {
	char name[PROBE_SYM_LEN];
	__u64 addr;
	__u8 *code;
	__u64 size;
} clean;

static void keep_text(const char *name, __u64 addr, const __u8 *code, __u64 size)
{
	free(clean.code);
	clean.code = malloc(size);
	if (!clean.code)
		return;
	memcpy(clean.code, code, size);
	snprintf(clean.name, sizeof(clean.name), "%s", name);
	clean.addr = addr;
	clean.size = size;
}

void inline_text_release(void)
{
	free(clean.code);
	memset(&clean, 0, sizeof(clean));
}

int inline_text_save(void)
{
	char boot[40];
	int err;

	if (!clean.code)
		return 0;	/* recognised in the saved text: it is there */
	if (boot_id_read(BOOT_ID, boot)) {
		errno = ENOENT;
		return -1;
	}
	if (mkdir(INLINE_ORIG_DIR, 0755) && errno != EEXIST)
		return -1;
	err = inline_orig_save(INLINE_ORIG_FILE, boot, clean.name, clean.addr, clean.code,
			       clean.size);
	if (!err)
		inline_text_release();
	return err;
}

static int recognise_live(struct kernel_caps *caps, const struct ksyms *k, const char *func)
{
	__u64 addr, size;
	const char *name;
	__u8 *code;
	int err;

	name = ksyms_func(k, func, &addr, &size);
	if (!name && errno == EEXIST) {
		snprintf(caps->why_inline, sizeof(caps->why_inline),
			 "%s: several functions of that name (compiler clones?)", func);
		return -1;
	}
	if (!name)
		return 1;
	snprintf(caps->inline_func, sizeof(caps->inline_func), "%s", name);
	caps->inline_addr = addr;
	if (!addr) {
		snprintf(caps->why_inline, sizeof(caps->why_inline),
			 "kallsyms hides addresses (kptr_restrict)");
		return -1;
	}
	if (size > INLINE_MAX_TEXT) {
		snprintf(caps->why_inline, sizeof(caps->why_inline),
			 "%s: %llu bytes up to the next symbol, more than a function", name,
			 (unsigned long long)size);
		return -1;
	}
	code = malloc(size);
	if (!code) {
		snprintf(caps->why_inline, sizeof(caps->why_inline), "out of memory");
		return -1;
	}
	err = inline_read_text(addr, code, size, caps->why_inline, sizeof(caps->why_inline));
	if (!err) {
		char why[INLINE_WHY_LEN - PROBE_SYM_LEN - 2];

		char saved[INLINE_WHY_LEN / 2];

		err = inline_recognise(code, size, addr, ksyms_at, (void *)k, &caps->inline_sites,
				       why, sizeof(why));
		if (!err)
			keep_text(name, addr, code, size);
		else if (recognise_saved(caps, k, code, addr, size, name, saved, sizeof(saved)))
			snprintf(caps->why_inline, sizeof(caps->why_inline),
				 "%.63s: %.300s (saved text not used: %.200s)", name, why, saved);
		else
			err = 0;
	}
	free(code);
	return err ? -1 : 0;
}
#else
/*
 * The recogniser reads x86-64 code only (capstone's x86 mode, x86 call and
 * static key shapes). Say so, and what this kernel's text would offer it:
 * arm64 selects ARCH_INLINE_SPIN_LOCK/UNLOCK unless PREEMPTION (Debian's
 * kernel is voluntary), so _raw_spin_lock is inlined into copy_pte_range
 * and there is no lock call for a kprobe to sit on at all.
 */
static int refuse_arch(struct kernel_caps *caps, const struct ksyms *k)
{
	__u64 addr, size;
	bool lock = ksyms_func(k, "_raw_spin_lock", &addr, &size);
	bool unlock = ksyms_func(k, "_raw_spin_unlock", &addr, &size);

	snprintf(caps->why_inline, sizeof(caps->why_inline),
		 "the inline recogniser reads x86-64 code only; on this %s kernel %s",
		 PTCOPY_ARCH_NAME,
		 lock && unlock ? "the PTE lock calls _raw_spin_lock/_raw_spin_unlock are functions, but not recognised" :
		 "_raw_spin_lock/_raw_spin_unlock are inlined (not in kallsyms): no lock call to probe");
	return -1;
}
#endif

#if defined(__x86_64__)
/* A sysctl's integer, -1 if it cannot be read. */
static int sysctl_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}
#endif

void probe_inline(struct kernel_caps *caps, const struct ksyms *k)
{
	int err;

	if (!k) {
		snprintf(caps->why_inline, sizeof(caps->why_inline), "%s", caps->why_ksyms);
		return;
	}
#if defined(__x86_64__)
	/*
	 * Without the addresses there is no text to read and no call target
	 * to name: kallsyms shows them to CAP_SYSLOG (or, with kptr_restrict
	 * 0, to all where perf_event_paranoid <= 1).
	 */
	if (ksyms_hidden(k)) {
		snprintf(caps->why_inline, sizeof(caps->why_inline),
			 "/proc/kallsyms hides kernel addresses from this process: needs CAP_SYSLOG (kptr_restrict %d, perf_event_paranoid %d)",
			 sysctl_int("/proc/sys/kernel/kptr_restrict"),
			 sysctl_int("/proc/sys/kernel/perf_event_paranoid"));
		return;
	}
	/* copy_pte_range where it is a function, else the function it is inlined in */
	err = recognise_live(caps, k, "copy_pte_range");
	if (err > 0)
		err = recognise_live(caps, k, "copy_page_range");
	if (err > 0)
		snprintf(caps->why_inline, sizeof(caps->why_inline),
			 "neither copy_pte_range nor copy_page_range is a kernel symbol");
#else
	err = refuse_arch(caps, k);
#endif
	caps->inline_ok = !err;
}
