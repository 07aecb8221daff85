/* The typed JSON getters of config.json's readers (config_json.h). */
#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

int bx_oj_bad(bx_err_t *err, const char *path, const char *what)
{
	return bx_usage_error(err, "config.json: %s: %s", path, what);
}

/* Optional string: NULL when absent or null. */
int bx_oj_get_str(json_t *o, const char *key, const char *path, char **out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		return bx_oj_bad(err, p, "must be a string");
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

int bx_oj_get_bool(json_t *o, const char *key, const char *path, bool *out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		cleanup_free char *p = xasprintf("%s.%s", path, key);
		return bx_oj_bad(err, p, "must be true or false");
	}
	*out = json_is_true(v);
	return 0;
}

/* An integer, also one read as a real: a config with a uint64 above
 * INT64_MAX (an unlimited rlimit written as 2^64-1) is parsed with
 * JSON_DECODE_INT_AS_REAL, where every number is a real. */
bool bx_oj_as_int(json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	double d = json_real_value(v);
	/* The range first: casting a double beyond long long (1e85) is
	 * undefined behaviour (found by tests/fuzz/fuzz_oci.c).  !(...)
	 * also refuses NaN. */
	if (!(d < 9.2e18 && d > -9.2e18) || d != (double)(long long)d)
		return false;
	*out = (long long)d;
	return true;
}

/* An integer in [lo, hi]; *set tells whether it was there. */
int bx_oj_get_int(json_t *o, const char *key, const char *path, long long lo, long long hi, long long *out, bool *set,
		   bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (set)
		*set = false;
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *p = xasprintf("%s.%s", path, key);
	long long n;
	if (!bx_oj_as_int(v, &n))
		return bx_oj_bad(err, p, "must be an integer");
	if (n < lo || n > hi) {
		bx_usage_error(err, "config.json: %s: %lld is out of range (%lld to %lld)", p, n, lo, hi);
		return -1;
	}
	*out = n;
	if (set)
		*set = true;
	return 0;
}

/* A uint64 that may be written as a big JSON number (jansson reads up
 * to INT64_MAX; -1 means "unlimited" in several OCI fields). */
int bx_oj_get_i64(json_t *o, const char *key, const char *path, int64_t *out, bool *set, bx_err_t *err)
{
	long long v = 0;
	if (bx_oj_get_int(o, key, path, -1, LLONG_MAX, &v, set, err) < 0)
		return -1;
	*out = v;
	return 0;
}

int bx_oj_get_strv(json_t *o, const char *key, const char *path, char ***out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
	if (!json_is_array(v))
		return bx_oj_bad(err, p, "must be an array of strings");
	char **list = xzalloc(sizeof *list);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			strv_free(list);
			cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
			return bx_oj_bad(err, ep, "must be a string");
		}
		strv_push(&list, json_string_value(e));
	}
	*out = list;
	return 0;
}

json_t *bx_oj_get_obj(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		*fail = bx_oj_bad(err, p, "must be an object");
		return NULL;
	}
	return v;
}

json_t *bx_oj_get_arr(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		*fail = bx_oj_bad(err, p, "must be an array");
		return NULL;
	}
	return v;
}

/* A field boxlab cannot honour: an error when it is set at all. */
int bx_oj_refuse(json_t *o, const char *key, const char *path, const char *why, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	    (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v)))
		return 0;
	cleanup_free char *p = xasprintf("%s.%s", path, key);
	return bx_usage_error(err, "config.json: %s: not supported by boxlab (%s)", p, why);
}

