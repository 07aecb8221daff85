/* Each student's progress: STATE/<user>/progress.json, rewritten whole
 * (write to a temp file, rename) under an flock on STATE/<user>/.lock,
 * so a check from the dashboard and one from a shell do not lose each
 * other's result.
 *
 *   {"user": "alice", "current": "01",
 *    "lessons": {"01": {"started": 1764620000, "checked": 1764620100,
 *                       "passed": 2, "total": 5,
 *                       "steps": [{"step": 1, "title": "...", "ok": true}, ...]}}} */
#include "cli/lesson.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static char *user_dir(void)
{
	cleanup_free char *root = bx_lesson_state_dir();
	return xasprintf("%s/%s", root, bx_lesson_user());
}

/* Lock the user's dir (made if missing); returns the fd. */
static int lock_user(bool exclusive, bx_err_t *err)
{
	cleanup_free char *dir = user_dir();
	cleanup_free char *lock = xasprintf("%s/.lock", dir);
	if (bx_mkdir_p(dir, 0755, err) < 0)
		return -1;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EACCES)
		return bx_make_error(err, errno, "cannot record progress in %s", dir),
		       bx_error_hint(err, "run it with sudo, as the lessons do");
	if (fd < 0)
		return bx_make_error(err, errno, "cannot open %s", lock);
	if (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		close(fd);
		return bx_make_error(err, errno, "cannot lock %s", lock);
	}
	return fd;
}

/* The whole file, or a fresh object when there is none yet. */
static json_t *load(bx_err_t *err)
{
	cleanup_free char *dir = user_dir();
	cleanup_free char *path = xasprintf("%s/progress.json", dir);
	json_error_t je;
	if (access(path, F_OK) < 0) {
		json_t *o = json_object();
		json_object_set_new(o, "user", json_string(bx_lesson_user()));
		json_object_set_new(o, "current", json_string(""));
		json_object_set_new(o, "lessons", json_object());
		return o;
	}
	json_t *o = bx_json_load(path, &je);
	if (!o || !json_is_object(o) || !json_is_object(json_object_get(o, "lessons"))) {
		json_decref(o);
		bx_make_error(err, 0, "%s is not a progress file: %s", path, o ? "no \"lessons\" object" : je.text);
		bx_error_hint(err, "'boxlab lesson reset' of each lesson, or remove the file");
		return NULL;
	}
	return o;
}

static int save(json_t *o, bx_err_t *err)
{
	cleanup_free char *dir = user_dir();
	cleanup_free char *path = xasprintf("%s/progress.json", dir);
	cleanup_free char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	cleanup_free char *text = xasprintf("%s\n", s);
	return bx_write_file_atomic(path, text, strlen(text), err);
}

static json_t *entry(json_t *o, const char *id)
{
	json_t *ls = json_object_get(o, "lessons");
	json_t *e = json_object_get(ls, id);
	if (!json_is_object(e)) {
		e = json_object();
		json_object_set_new(ls, id, e);
	}
	return e;
}

/* Read-modify-write under the exclusive lock. */
static int update(const struct bx_lesson *l, const char *id, int (*fn)(json_t *, const struct bx_lesson *, const char *),
		  bx_err_t *err)
{
	cleanup_close int fd = lock_user(true, err);
	if (fd < 0)
		return -1;
	json_t *o = load(err);
	if (!o)
		return -1;
	int r = fn(o, l, id);
	r = r < 0 ? 0 : save(o, err);
	json_decref(o);
	return r;
}

static int do_started(json_t *o, const struct bx_lesson *l, const char *id)
{
	json_object_set_new(entry(o, id), "started", json_integer((json_int_t)time(NULL)));
	json_object_set_new(o, "current", json_string(l->id));
	return 0;
}

static int do_checked(json_t *o, const struct bx_lesson *l, const char *id)
{
	json_t *e = entry(o, id), *steps = json_array();
	size_t passed = 0;
	for (size_t i = 0; i < l->nsteps; i++) {
		const struct bx_lesson_step *s = &l->steps[i];
		json_t *j = json_object();
		passed += s->ok;
		json_object_set_new(j, "step", json_integer(s->n));
		json_object_set_new(j, "title", json_string(s->title));
		json_object_set_new(j, "ok", json_boolean(s->ok));
		if (s->hint)
			json_object_set_new(j, "hint", json_string(s->hint));
		json_array_append_new(steps, j);
	}
	json_object_set_new(e, "checked", json_integer((json_int_t)time(NULL)));
	json_object_set_new(e, "passed", json_integer((json_int_t)passed));
	json_object_set_new(e, "total", json_integer((json_int_t)l->nsteps));
	json_object_set_new(e, "steps", steps);
	return 0;
}

static int do_checked_current(json_t *o, const struct bx_lesson *l, const char *id)
{
	do_checked(o, l, id);
	json_object_set_new(o, "current", json_string(l->id));
	return 0;
}

static int do_drop(json_t *o, const struct bx_lesson *l, const char *id)
{
	(void)l;
	json_object_del(json_object_get(o, "lessons"), id);
	if (!strcmp(json_string_value(json_object_get(o, "current")) ?: "", id))
		json_object_set_new(o, "current", json_string(""));
	return 0;
}

int bx_lesson_progress_started(const struct bx_lesson *l, bx_err_t *err)
{
	return update(l, l->id, do_started, err);
}

int bx_lesson_progress_checked(const struct bx_lesson *l, bool current, bx_err_t *err)
{
	return update(l, l->id, current ? do_checked_current : do_checked, err);
}

int bx_lesson_progress_drop(const char *id, bx_err_t *err)
{
	return update(NULL, id, do_drop, err);
}

/* Read under the shared lock; NULL with err, or the object.  Reading
 * makes nothing: a student without sudo (`boxlab lesson list`) may read
 * their progress but not create the dir; none yet is no progress. */
static json_t *read_locked(bx_err_t *err)
{
	cleanup_free char *dir = user_dir();
	cleanup_free char *lock = xasprintf("%s/.lock", dir);
	cleanup_close int fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_SH) < 0)
		return bx_make_error(err, errno, "cannot lock %s", lock), NULL;
	return load(err);
}

int bx_lesson_progress_get(const char *id, struct bx_lesson_progress *p, bx_err_t *err)
{
	memset(p, 0, sizeof *p);
	json_t *o = read_locked(err);
	if (!o)
		return -1;
	json_t *e = json_object_get(json_object_get(o, "lessons"), id);
	if (json_is_object(e)) {
		json_t *steps = json_object_get(e, "steps"), *s;
		size_t i;
		p->started = json_is_integer(json_object_get(e, "started"));
		p->started_s = json_integer_value(json_object_get(e, "started"));
		p->checked_s = json_integer_value(json_object_get(e, "checked"));
		p->passed = (size_t)json_integer_value(json_object_get(e, "passed"));
		p->total = (size_t)json_integer_value(json_object_get(e, "total"));
		json_array_foreach(steps, i, s)
		{
			if (p->nsteps == BX_LESSON_MAX_STEPS)
				break;
			struct bx_lesson_step *st = &p->steps[p->nsteps++];
			const char *t = json_string_value(json_object_get(s, "title"));
			const char *h = json_string_value(json_object_get(s, "hint"));
			st->n = (int)json_integer_value(json_object_get(s, "step"));
			st->title = xstrdup(t ? t : "");
			st->ok = json_is_true(json_object_get(s, "ok"));
			st->checked = true;
			st->hint = h ? xstrdup(h) : NULL;
		}
	}
	json_decref(o);
	return 0;
}

int bx_lesson_progress_current(char id[3], bx_err_t *err)
{
	json_t *o = read_locked(err);
	if (!o)
		return -1;
	const char *c = json_string_value(json_object_get(o, "current"));
	snprintf(id, 3, "%s", c && strlen(c) == 2 ? c : "");
	json_decref(o);
	return 0;
}

void bx_lesson_progress_free(struct bx_lesson_progress *p)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		free(p->steps[i].title);
		free(p->steps[i].hint);
	}
	memset(p, 0, sizeof *p);
}
