/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test support: validate a json-c object against a JSON Schema, for the
 * keywords ptcopy's schemas use ($ref to "#/$defs/...", type, enum,
 * properties, required, additionalProperties: false, items, minimum,
 * maximum, oneOf). No Debian-packaged C library validates JSON Schema; an
 * unsupported keyword fails loudly rather than passing silently.
 */
#ifndef __PTCOPY_TEST_JSON_SCHEMA_H
#define __PTCOPY_TEST_JSON_SCHEMA_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

struct schema_ctx {
	struct json_object *root;
	char err[512];
};

static bool schema_fail(struct schema_ctx *c, const char *path, const char *what)
{
	if (!c->err[0])
		snprintf(c->err, sizeof(c->err), "%s: %s", path, what);
	return false;
}

static bool schema_type_ok(struct json_object *v, const char *t)
{
	enum json_type jt = json_object_get_type(v);

	if (!strcmp(t, "object"))
		return jt == json_type_object;
	if (!strcmp(t, "array"))
		return jt == json_type_array;
	if (!strcmp(t, "string"))
		return jt == json_type_string;
	if (!strcmp(t, "integer"))
		return jt == json_type_int;
	if (!strcmp(t, "number"))
		return jt == json_type_int || jt == json_type_double;
	if (!strcmp(t, "boolean"))
		return jt == json_type_boolean;
	if (!strcmp(t, "null"))
		return jt == json_type_null;
	return false;
}

static bool schema_validate_at(struct schema_ctx *c, struct json_object *schema,
			       struct json_object *v, const char *path);

static struct json_object *schema_resolve(struct schema_ctx *c, const char *ref)
{
	struct json_object *defs, *def;

	if (strncmp(ref, "#/$defs/", 8))
		return NULL;
	if (!json_object_object_get_ex(c->root, "$defs", &defs) ||
	    !json_object_object_get_ex(defs, ref + 8, &def))
		return NULL;
	return def;
}

static bool schema_validate_at(struct schema_ctx *c, struct json_object *schema,
			       struct json_object *v, const char *path)
{
	static const char *const known[] = {
		"$schema", "$id", "$defs", "title", "description", "$ref", "type", "enum",
		"properties", "required", "additionalProperties", "items", "minimum", "maximum",
		"oneOf", NULL,
	};
	char sub[256];

	json_object_object_foreach(schema, key, val) {
		int i;

		for (i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				break;
		if (!known[i])
			return schema_fail(c, path, "schema uses an unsupported keyword");

		if (!strcmp(key, "$ref")) {
			struct json_object *def = schema_resolve(c, json_object_get_string(val));

			if (!def)
				return schema_fail(c, path, "unresolvable $ref");
			if (!schema_validate_at(c, def, v, path))
				return false;
		} else if (!strcmp(key, "type")) {
			bool ok = false;

			if (json_object_is_type(val, json_type_string)) {
				ok = schema_type_ok(v, json_object_get_string(val));
			} else {
				size_t j;

				for (j = 0; j < json_object_array_length(val); j++)
					ok |= schema_type_ok(v, json_object_get_string(
							json_object_array_get_idx(val, j)));
			}
			if (!ok)
				return schema_fail(c, path, "wrong type");
		} else if (!strcmp(key, "enum")) {
			bool ok = false;
			size_t j;

			for (j = 0; j < json_object_array_length(val); j++)
				ok |= json_object_equal(json_object_array_get_idx(val, j), v);
			if (!ok)
				return schema_fail(c, path, "value not in enum");
		} else if (!strcmp(key, "minimum") || !strcmp(key, "maximum")) {
			bool min = key[1] == 'i';
			double x;

			if (!json_object_is_type(v, json_type_int) &&
			    !json_object_is_type(v, json_type_double))
				continue;
			x = json_object_get_double(v);
			if (min ? x < json_object_get_double(val) : x > json_object_get_double(val))
				return schema_fail(c, path, min ? "below minimum" : "above maximum");
		} else if (!strcmp(key, "properties") && json_object_is_type(v, json_type_object)) {
			json_object_object_foreach(v, k2, v2) {
				struct json_object *ps;

				snprintf(sub, sizeof(sub), "%s.%s", path, k2);
				if (json_object_object_get_ex(val, k2, &ps)) {
					if (!schema_validate_at(c, ps, v2, sub))
						return false;
				}
			}
		} else if (!strcmp(key, "additionalProperties") &&
			   json_object_is_type(v, json_type_object)) {
			struct json_object *props = NULL;

			if (json_object_get_boolean(val))
				continue;
			json_object_object_get_ex(schema, "properties", &props);
			json_object_object_foreach(v, k3, v3) {
				(void)v3;
				if (!props || !json_object_object_get_ex(props, k3, NULL)) {
					snprintf(sub, sizeof(sub), "%s.%s", path, k3);
					return schema_fail(c, sub, "property not in the schema");
				}
			}
		} else if (!strcmp(key, "required") && json_object_is_type(v, json_type_object)) {
			size_t j;

			for (j = 0; j < json_object_array_length(val); j++) {
				const char *name = json_object_get_string(json_object_array_get_idx(val, j));

				if (!json_object_object_get_ex(v, name, NULL)) {
					snprintf(sub, sizeof(sub), "%s.%s", path, name);
					return schema_fail(c, sub, "required property missing");
				}
			}
		} else if (!strcmp(key, "items") && json_object_is_type(v, json_type_array)) {
			size_t j;

			for (j = 0; j < json_object_array_length(v); j++) {
				snprintf(sub, sizeof(sub), "%s[%zu]", path, j);
				if (!schema_validate_at(c, val, json_object_array_get_idx(v, j), sub))
					return false;
			}
		} else if (!strcmp(key, "oneOf")) {
			size_t j, matches = 0;

			for (j = 0; j < json_object_array_length(val); j++) {
				struct schema_ctx probe = { .root = c->root };

				matches += schema_validate_at(&probe, json_object_array_get_idx(val, j),
							      v, path);
			}
			if (matches != 1)
				return schema_fail(c, path, "matches not exactly one of oneOf");
		}
	}
	return true;
}

/* Validate v against the whole schema (its top level, i.e. its oneOf). */
static bool schema_validate(struct json_object *schema, struct json_object *v, char *err,
			    size_t errlen)
{
	struct schema_ctx c = { .root = schema };
	bool ok = schema_validate_at(&c, schema, v, "$");

	snprintf(err, errlen, "%s", ok ? "" : c.err);
	return ok;
}

/* Validate v against one definition, "#/$defs/<def>": errors name the field. */
static bool schema_validate_def(struct json_object *schema, const char *def,
				struct json_object *v, char *err, size_t errlen)
{
	struct schema_ctx c = { .root = schema };
	struct json_object *d;
	bool ok;
	char ref[64];

	snprintf(ref, sizeof(ref), "#/$defs/%s", def);
	d = schema_resolve(&c, ref);
	if (!d) {
		snprintf(err, errlen, "no definition %s", ref);
		return false;
	}
	ok = schema_validate_at(&c, d, v, "$");
	snprintf(err, errlen, "%s", ok ? "" : c.err);
	return ok;
}

#endif /* __PTCOPY_TEST_JSON_SCHEMA_H */
