/* The typed getters config.json's readers share (config*.c): each
 * reads one member of a JSON object and, when it has the wrong type or
 * range, fails with "config.json: PATH.KEY: what is wrong".  Absent and
 * null members leave the output untouched (NULL, false, *set false). */
#ifndef BX_OCI_CONFIG_JSON_H
#define BX_OCI_CONFIG_JSON_H

#include "oci/oci.h"

#include <jansson.h>

int bx_oj_bad(bx_err_t *err, const char *path, const char *what);
int bx_oj_get_str(json_t *o, const char *key, const char *path, char **out, bx_err_t *err);
int bx_oj_get_bool(json_t *o, const char *key, const char *path, bool *out, bx_err_t *err);
bool bx_oj_as_int(json_t *v, long long *out);
int bx_oj_get_int(json_t *o, const char *key, const char *path, long long lo, long long hi, long long *out, bool *set,
		  bx_err_t *err);
int bx_oj_get_i64(json_t *o, const char *key, const char *path, int64_t *out, bool *set, bx_err_t *err);
int bx_oj_get_strv(json_t *o, const char *key, const char *path, char ***out, bx_err_t *err);
json_t *bx_oj_get_obj(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail);
json_t *bx_oj_get_arr(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail);
/* A field boxlab cannot honour: an error when it is set at all. */
int bx_oj_refuse(json_t *o, const char *key, const char *path, const char *why, bx_err_t *err);

/* The parts of config.json, one file each. */
int bx_oci_parse_mounts(json_t *root, struct bx_oci_config *c, bx_err_t *err);
int bx_oci_parse_process(json_t *po, const char *path, bool need_args, struct bx_oci_process *p, bx_err_t *err);
int bx_oci_parse_linux(json_t *root, struct bx_oci_config *c, bx_err_t *err);
/* "rprivate" -> MS_PRIVATE | MS_REC; -1 when unknown. */
int bx_oci_propagation(const char *name, unsigned long *out);

#endif
