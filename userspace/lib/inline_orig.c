// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier's original text, saved for later sessions (see
 * inline_orig.h). The file: "boot BOOT_ID", "func NAME ADDR LEN", then
 * "code HEX" lines of 32 bytes. A kprobe changes at most the 5 bytes from
 * its address (x86: an int3 in the first, or a jump over all 5 when
 * optimized), so the saved bytes are taken only where the live ones match
 * them everywhere else and each difference lies under a kprobe the kernel
 * lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "inline_orig.h"

/* The bytes from a kprobe's address it may change (JMP32_INSN_SIZE). */
#define KPROBE_BYTES	5

int boot_id_read(const char *path, char id[40])
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%39s", id) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

int inline_orig_save(const char *path, const char *boot_id, const char *func, __u64 addr,
		     const __u8 *code, size_t len)
{
	char tmp[4096];
	size_t i;
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "boot %s\nfunc %s %llx %zu\n", boot_id, func, (unsigned long long)addr, len);
	for (i = 0; i < len; i++)
		fprintf(f, "%s%02x%s", i % 32 ? "" : "code ", code[i],
			i % 32 == 31 || i + 1 == len ? "\n" : "");
	err = ferror(f);
	if (fclose(f) || err || rename(tmp, path)) {
		err = errno ? errno : EIO;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int inline_orig_load(const char *path, const char *boot_id, const char *func, __u64 addr,
		     __u8 *code, size_t len, char *why, size_t why_len)
{
	char line[256], boot[40] = "", name[128] = "";
	unsigned long long a = 0;
	size_t n = 0, size = 0;
	struct stat st;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		snprintf(why, why_len, "no saved text (%s: %s)", path, strerror(errno));
		return -1;
	}
	/* written by root (or this user), and by no one else since */
	if (fstat(fileno(f), &st) || (st.st_uid && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		snprintf(why, why_len, "%s is not root's alone: not used", path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *p;

		if (sscanf(line, "boot %39s", boot) == 1 ||
		    sscanf(line, "func %127s %llx %zu", name, &a, &size) == 3)
			continue;
		if (strncmp(line, "code ", 5))
			break;
		for (p = line + 5; p[0] && p[1] && p[0] != '\n' && n < len; p += 2) {
			unsigned int b;

			if (sscanf(p, "%2x", &b) != 1)
				break;
			code[n++] = b;
		}
	}
	fclose(f);
	if (strcmp(boot, boot_id) || strcmp(name, func) || a != addr || size != len || n != len) {
		snprintf(why, why_len, "%s is of another boot or function (%s %s+%zu, %zu bytes)",
			 path, name[0] ? name : "?", boot[0] ? "this boot" : "no boot", size, n);
		return -1;
	}
	return 0;
}

int kprobes_in(FILE *list, __u64 lo, __u64 hi, __u64 *addrs, int max)
{
	unsigned long long a;
	char line[512], type[8];
	int n = 0;

	while (fgets(line, sizeof(line), list)) {
		if (sscanf(line, "%llx %7s", &a, type) != 2)
			return -1;
		if (a >= lo && a < hi && n < max)
			addrs[n++] = a;
	}
	return n;
}

int inline_orig_check(const __u8 *live, const __u8 *orig, size_t len, __u64 addr,
		      const __u64 *probes, int n, char *why, size_t why_len)
{
	size_t i, diff = 0;
	int k;

	for (i = 0; i < len; i++) {
		if (live[i] == orig[i])
			continue;
		for (k = 0; k < n; k++)
			if (addr + i >= probes[k] && addr + i < probes[k] + KPROBE_BYTES)
				break;
		if (k == n) {
			snprintf(why, why_len,
				 "the live text differs from the saved one at +0x%zx (0x%02x, saved 0x%02x), where no kprobe is",
				 i, live[i], orig[i]);
			return -1;
		}
		diff++;
	}
	if (!diff) {
		snprintf(why, why_len, "the live text is the saved one: nothing to restore");
		return -1;
	}
	return 0;
}
