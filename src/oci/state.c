/* The OCI state dir, <root>/<id>/ (runc's /run/runc/<id>/):
 *
 *   state.json   id, bundle, init pid and its start time, created time,
 *                annotations, and whether create finished
 *   config.json  the bundle's, as it was at create (delete runs its
 *                poststop hooks; the bundle may be gone by then)
 *   exec.fifo    while the container waits for `start`
 *
 * There is no supervisor: after create the init process is the
 * engine's child (conmon is a subreaper), so the status is read from
 * the kernel each time: a dead or zombie init is stopped, a fifo still
 * there is created, a frozen cgroup is paused, the rest is running. */
#include "oci/oci.h"
#include "core/proc.h"
#include "modules/cgroup.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bx_oci_globals bx_oci_g = {.root = NULL};

int bx_oci_id_check(const char *id, bx_err_t *err)
{
	size_t n = strlen(id);
	/* It names a directory here and a cgroup (boxlab/<id>). */
	bool ok = n > 0 && n <= 200 && id[0] != '.' && id[0] != '-';
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)id[i]) || strchr("_.+-", id[i]);
	if (!ok)
		return bx_usage_error(err, "invalid container id \"%s\" (1 to 200 of A-Z a-z 0-9 _ . + -, not starting "
				      "with . or -)", id);
	return 0;
}

char *bx_oci_path(const char *id, const char *file)
{
	return file ? xasprintf("%s/%s/%s", bx_oci_g.root, id, file) : xasprintf("%s/%s", bx_oci_g.root, id);
}

int bx_oci_state_write(const struct bx_oci_state *st, bx_err_t *err)
{
	json_t *ann = json_loads(st->annotations_json ? st->annotations_json : "{}", 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:b, s:o, s:s}", "id", st->id, "bundle", st->bundle, "pid",
			      (int)st->pid, "pid_start", (json_int_t)st->pid_start, "created_us",
			      (json_int_t)st->created_us, "created", st->created, "annotations", ann ? ann : json_object(),
			      "owner", st->owner ? st->owner : "");
	cleanup_free char *text = json_dumps(o, JSON_INDENT(1));
	json_decref(o);
	cleanup_free char *path = bx_oci_path(st->id, "state.json");
	return bx_write_file_atomic(path, text, strlen(text), err);
}

int bx_oci_state_read(const char *id, struct bx_oci_state *st, bx_err_t *err)
{
	memset(st, 0, sizeof *st);
	if (bx_oci_id_check(id, err) < 0)
		return -1;
	cleanup_free char *path = bx_oci_path(id, "state.json");
	json_error_t je;
	json_t *o = bx_json_load(path, &je);
	if (!o) {
		if (access(path, F_OK) < 0)
			return bx_make_error(err, ENOENT, "container \"%s\" does not exist (in %s; 'boxlab list' shows them)",
					     id, bx_oci_g.root);
		return bx_make_error(err, 0, "%s: %s", path, je.text);
	}
	json_t *ann = json_object_get(o, "annotations");
	st->id = xstrdup(id);
	st->bundle = xstrdup(json_string_value(json_object_get(o, "bundle")) ?: "");
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->pid_start = (unsigned long long)json_integer_value(json_object_get(o, "pid_start"));
	st->created_us = json_integer_value(json_object_get(o, "created_us"));
	st->created = json_is_true(json_object_get(o, "created"));
	st->annotations_json = ann ? json_dumps(ann, JSON_COMPACT) : xstrdup("{}");
	st->owner = xstrdup(json_string_value(json_object_get(o, "owner")) ?: "");
	json_decref(o);
	return 0;
}

void bx_oci_state_free(struct bx_oci_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->annotations_json);
	free(st->owner);
	memset(st, 0, sizeof *st);
}

/* Alive and not a zombie: a zombie init has stopped, only its parent
 * (the engine) has not collected the status yet. */
static bool init_alive(const struct bx_oci_state *st)
{
	if (st->pid <= 0 || !bx_proc_alive(st->pid, st->pid_start))
		return false;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", st->pid);
	cleanup_file FILE *f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof buf, f))
		return false;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static bool frozen(const char *id)
{
	struct bx_cg cg;
	bx_err_t tmp = NULL;
	char buf[256];
	if (bx_cg_host(&cg, id, &tmp) < 0) {
		bx_error_release(&tmp);
		return false;
	}
	cleanup_free char *path = bx_cg_path(&cg, BX_CGK_FREEZE_STATE);
	if (!path || bx_cg_read(path, buf, sizeof buf) < 0)
		return false;
	return cg.ops->unified ? strstr(buf, "frozen 1") != NULL : !strncmp(buf, "FROZEN", 6);
}

enum bx_oci_status bx_oci_status(const struct bx_oci_state *st)
{
	if (!st->created)
		return st->pid > 0 && !init_alive(st) ? BX_OCI_STOPPED : BX_OCI_CREATING;
	if (!init_alive(st))
		return BX_OCI_STOPPED;
	cleanup_free char *fifo = bx_oci_path(st->id, "exec.fifo");
	if (access(fifo, F_OK) == 0)
		return BX_OCI_CREATED;
	return frozen(st->id) ? BX_OCI_PAUSED : BX_OCI_RUNNING;
}

const char *bx_oci_status_name(enum bx_oci_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return names[s];
}

char *bx_oci_state_json(const struct bx_oci_state *st, enum bx_oci_status s)
{
	json_t *ann = json_loads(st->annotations_json ? st->annotations_json : "{}", 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", BX_OCI_VERSION, "id", st->id, "status",
			      bx_oci_status_name(s), "bundle", st->bundle);
	/* The spec: pid is REQUIRED when created or running (Linux). */
	if (s != BX_OCI_STOPPED && st->pid > 0)
		json_object_set_new(o, "pid", json_integer(st->pid));
	else
		json_object_set_new(o, "pid", json_integer(0));
	if (ann && json_object_size(ann))
		json_object_set(o, "annotations", ann);
	json_decref(ann);
	char created[64];
	bx_format_time(st->created_us, created, sizeof created);
	json_object_set_new(o, "created", json_string(created));
	json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
	char *text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	return text;
}

/* The cgroup modules' view of an OCI container: the box their hooks
 * take.  Which modules are on is whatever the spec says; the cgroup
 * name is the container id (boxlab/<id> in every hierarchy). */
void bx_oci_cg_box(struct bx_box *box, struct bx_spec *spec, const char *id)
{
	free(spec->name);
	spec->name = xstrdup(id);
	memset(box, 0, sizeof *box);
	box->spec = spec;
	box->name = spec->name;
	box->sync_fd = -1;
	box->cgroup_fd = -1;
}

/* Every process of the container: the pids cgroup (always on) lists
 * them, also those that left init's tree. */
int bx_oci_cg_pids(const char *id, pid_t **pids, size_t *n)
{
	struct bx_cg cg;
	bx_err_t tmp = NULL;
	*pids = NULL;
	*n = 0;
	if (bx_cg_host(&cg, id, &tmp) < 0) {
		bx_error_release(&tmp);
		return -1;
	}
	cleanup_free char *procs = bx_cg_dir(&cg, cg.ops->hiers[BX_CG_PIDS][0], "cgroup.procs");
	cleanup_file FILE *f = fopen(procs, "re");
	if (!f)
		return -1;
	int pid;
	size_t cap = 0;
	while (fscanf(f, "%d", &pid) == 1) {
		if (*n == cap)
			*pids = xrealloc(*pids, (cap = cap ? cap * 2 : 16) * sizeof **pids);
		(*pids)[(*n)++] = pid;
	}
	return 0;
}
