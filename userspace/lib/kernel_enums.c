// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <linux/types.h>
#include "kernel_enums.h"
#include "ptcopy.h"

#define MAX_NAMES	16

struct kernel_enum {
	const char *type;		/* the kernel's enum name */
	const char *names[MAX_NAMES];	/* its enumerators, as ptcopy's tables name them */
	size_t n;
};

static int find_enum(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	return id > 0 ? id : btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
}

static bool has_name(const struct kernel_enum *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->names[i], name))
			return true;
	return false;
}

static const char *enumerator(const struct btf *btf, const struct btf_type *t, int i)
{
	__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

	return btf__name_by_offset(btf, off);
}

static bool enum_matches(const struct btf *btf, const struct kernel_enum *e, char *why,
			 size_t len)
{
	const struct btf_type *t;
	int id = find_enum(btf, e->type), i, vlen;
	size_t k;

	if (id <= 0) {
		snprintf(why, len, "kernel BTF has no enum %s (kernel-patch/ adds it)", e->type);
		return false;
	}
	t = btf__type_by_id(btf, id);
	vlen = btf_vlen(t);
	for (i = 0; i < vlen; i++) {
		const char *name = enumerator(btf, t, i);

		if (!has_name(e, name)) {
			snprintf(why, len, "kernel's enum %s has %s, which ptcopy cannot name",
				 e->type, name);
			return false;
		}
	}
	for (k = 0; k < e->n; k++) {
		for (i = 0; i < vlen; i++)
			if (!strcmp(enumerator(btf, t, i), e->names[k]))
				break;
		if (i == vlen) {
			snprintf(why, len, "kernel's enum %s has no %s", e->type, e->names[k]);
			return false;
		}
	}
	return true;
}

bool kernel_enums_match(const struct btf *btf, char *why, size_t len)
{
	static const struct kernel_enum enums[] = {
		{ "copy_pte_pass_reason", {
#define REASON(id, value, name)	"COPY_PTE_PASS_" #id,
			PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
		  }, PTCOPY_PASS_REASONS },
		{ "copy_pte_stop", {
#define STOP(id, value, name, lock_break)	"COPY_PTE_STOP_" #id,
			PTCOPY_STOP_TABLE(STOP)
#undef STOP
		  }, PTCOPY_STOPS },
	};
	size_t i;

	for (i = 0; i < sizeof(enums) / sizeof(enums[0]); i++)
		if (!enum_matches(btf, &enums[i], why, len))
			return false;
	return true;
}
