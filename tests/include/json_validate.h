/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test support: validate a json-c object against a definition of a JSON
 * Schema (and the schema's top level) with Debian's python3-jsonschema,
 * through tests/include/json_validate.py. Run from the top of the tree.
 */
#ifndef __PTCOPY_TEST_JSON_VALIDATE_H
#define __PTCOPY_TEST_JSON_VALIDATE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <json-c/json.h>

#define JSON_VALIDATE_SCRIPT	"tests/include/json_validate.py"

/*
 * true if obj matches $defs/def of the schema at schema_path; otherwise err
 * gets the validator's one-line reason. A validator that cannot run fails
 * the test: it must never pass silently.
 */
static bool json_validate(const char *schema_path, const char *def, struct json_object *obj,
			  char *err, size_t len)
{
	char doc[] = "/tmp/ptcopy-json-XXXXXX", cmd[512];
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	int fd = mkstemp(doc), status;
	FILE *p;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 %s %s %s %s", JSON_VALIDATE_SCRIPT, schema_path, def,
		 doc);
	p = popen(cmd, "r");
	assert_non_null(p);
	err[0] = '\0';
	if (fgets(err, (int)len, p))
		err[strcspn(err, "\n")] = '\0';
	status = pclose(p);
	unlink(doc);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		fail_msg("%s could not validate (status %#x): %s", JSON_VALIDATE_SCRIPT, status, err);
	return WEXITSTATUS(status) == 0;
}

#endif /* __PTCOPY_TEST_JSON_VALIDATE_H */
