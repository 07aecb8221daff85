/* rlimit: resource limits (setrlimit(2)) for every process of a
 * container: how many files it may open, how large a core dump may be,
 * how many processes its user may have...  `--ulimit TYPE=SOFT[:HARD]`,
 * as in `docker run --ulimit`; INI: [rlimit] ulimit = nofile=64 core=0.
 *
 * Limits are inherited across fork and exec, so setting them once in the
 * container's first process (child_setup) covers everything it starts;
 * `boxlab exec` starts from boxlab's own process, so exec_child sets them
 * again.  Lowering a limit is always allowed; raising a hard limit needs
 * CAP_SYS_RESOURCE in the *initial* user namespace (prlimit(2)), which
 * container root never has with the user module on, and which this
 * host's root lacks too: such a request is clamped to the hard limit
 * boxlab itself runs with, with a warning before the container starts.
 *
 * Lesson 12's scripted solution (tests/lessons/12-solution.sh).
 */
#include "modules/module.h"
#include "core/timeline.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

/* Docker's names for the limits. */
static const struct {
	const char *name;
	int resource;
} types[] = {
	{"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
	{"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},     {"memlock", RLIMIT_MEMLOCK},
	{"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},     {"nofile", RLIMIT_NOFILE},
	{"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},         {"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
};
#define NTYPES (sizeof types / sizeof types[0])

struct rlimit_conf {
	bool set[NTYPES];
	struct rlimit lim[NTYPES];
};

static struct rlimit_conf *conf_of(struct bx_spec *s)
{
	return bx_spec_conf(s, "rlimit", sizeof(struct rlimit_conf));
}

static const struct rlimit_conf *conf_of_box(const struct bx_box *box)
{
	int i = bx_module_index("rlimit");
	return i < 0 ? NULL : box->spec->conf[i];
}

static char *type_names(void)
{
	char **v = NULL;
	for (size_t i = 0; i < NTYPES; i++)
		strv_push(&v, types[i].name);
	char *s = strv_join(v, ", ");
	strv_free(v);
	return s;
}

/* A number, or "unlimited" / -1. */
static int parse_value(const char *s, rlim_t *out)
{
	if (!strcmp(s, "unlimited") || !strcmp(s, "-1")) {
		*out = RLIM_INFINITY;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || n >= RLIM_INFINITY)
		return -1;
	*out = (rlim_t)n;
	return 0;
}

static char *format_value(rlim_t v)
{
	return v == RLIM_INFINITY ? xstrdup("unlimited") : xasprintf("%" PRIu64, (uint64_t)v);
}

/* TYPE=SOFT[:HARD] */
static int set_ulimit(struct bx_spec *s, const char *v, bx_err_t *err)
{
	const char *eq = strchr(v, '=');
	size_t i;
	for (i = 0; eq && i < NTYPES; i++)
		if (strlen(types[i].name) == (size_t)(eq - v) && !strncmp(v, types[i].name, (size_t)(eq - v)))
			break;
	if (!eq || i == NTYPES) {
		char *names = type_names();
		bx_usage_error(err, "invalid limit \"%s\": expected TYPE=SOFT[:HARD] with TYPE one of %s", v,
			       names);
		free(names);
		return -1;
	}
	char *vals = xstrdup(eq + 1), *colon = strchr(vals, ':');
	struct rlimit r;
	if (colon)
		*colon = '\0';
	int bad = parse_value(vals, &r.rlim_cur) < 0 || parse_value(colon ? colon + 1 : vals, &r.rlim_max) < 0;
	free(vals);
	if (bad)
		return bx_usage_error(err, "invalid limit \"%s\": SOFT and HARD are numbers or \"unlimited\"", v);
	if (r.rlim_cur > r.rlim_max)
		return bx_usage_error(err, "invalid limit \"%s\": the soft limit is above the hard limit", v);
	struct rlimit_conf *c = conf_of(s);
	c->set[i] = true;
	c->lim[i] = r;
	return 0;
}

/* INI: the same as words, "nofile=64 core=0". */
static int set_ulimit_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	char **words = NULL;
	if (bx_words_split(v, &words, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; words[i] && r == 0; i++)
		r = set_ulimit(s, words[i], err);
	strv_free(words);
	return r;
}

static char *get_ulimits(const struct bx_spec *s)
{
	int idx = bx_module_index("rlimit");
	const struct rlimit_conf *c = idx < 0 ? NULL : s->conf[idx];
	char **v = NULL;
	for (size_t i = 0; c && i < NTYPES; i++) {
		if (!c->set[i])
			continue;
		char *soft = format_value(c->lim[i].rlim_cur), *hard = format_value(c->lim[i].rlim_max);
		char *w = xasprintf("%s=%s:%s", types[i].name, soft, hard);
		strv_push(&v, w);
		free(w);
		free(soft);
		free(hard);
	}
	if (!v)
		return NULL;
	char *out = strv_join(v, " ");
	strv_free(v);
	return out;
}

static const struct bx_opt rlimit_opts[] = {
	{"ulimit", 0, NULL, NULL, "TYPE=SOFT[:HARD]", "a resource limit for every process, e.g. nofile=64 or "
	 "nofile=64:128 (repeatable; nofile nproc core fsize stack cpu ...)", set_ulimit, NULL},
	{NULL, 0, "rlimit", "ulimit", "WORDS", "resource limits, TYPE=SOFT:HARD words (INI only)", set_ulimit_list,
	 get_ulimits},
	{0},
};

static void probe(struct bx_probe *out)
{
	struct rlimit r;
	out->ok = getrlimit(RLIMIT_NOFILE, &r) == 0;
	if (out->ok)
		snprintf(out->why, sizeof out->why, "setrlimit available: %zu kinds of limit", NTYPES);
	else
		snprintf(out->why, sizeof out->why, "getrlimit failed: %s", strerror(errno));
}

static bool has_sys_resource(void)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	if (c) {
		cap_get_flag(c, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
		cap_free(c);
	}
	return v == CAP_SET;
}

/* The limit the container can really get: a hard limit above boxlab's
 * own cannot be raised without CAP_SYS_RESOURCE in the initial user
 * namespace.  true when it had to be clamped. */
static bool clamp(const struct bx_box *box, int resource, struct rlimit *r)
{
	struct rlimit cur;
	if (getrlimit(resource, &cur) < 0 || r->rlim_max <= cur.rlim_max)
		return false;
	if (!bx_box_has(box, "user") && has_sys_resource())
		return false;
	r->rlim_max = cur.rlim_max;
	if (r->rlim_cur > r->rlim_max)
		r->rlim_cur = r->rlim_max;
	return true;
}

/* Parent, before clone: say what will be clamped while the user still
 * sees stderr, and put it on the timeline. */
static int prepare(struct bx_box *box, bx_err_t *err)
{
	(void)err;
	const struct rlimit_conf *c = conf_of_box(box);
	for (size_t i = 0; c && i < NTYPES; i++) {
		struct rlimit r = c->lim[i];
		if (!c->set[i] || !clamp(box, types[i].resource, &r))
			continue;
		char *want = format_value(c->lim[i].rlim_max), *got = format_value(r.rlim_max);
		bx_warn("--ulimit %s: hard limit %s is above boxlab's own (%s), and raising it needs CAP_SYS_RESOURCE "
			"in the initial user namespace: clamped to %s", types[i].name, want, got, got);
		bx_tl_event(box->tl, "rlimit", "clamp", 0, "%s: hard limit %s clamped to %s", types[i].name, want, got);
		free(want);
		free(got);
	}
	return 0;
}

static int apply(struct bx_box *box, bool log, bx_err_t *err)
{
	const struct rlimit_conf *c = conf_of_box(box);
	char **v = NULL;
	for (size_t i = 0; c && i < NTYPES; i++) {
		if (!c->set[i])
			continue;
		struct rlimit r = c->lim[i];
		clamp(box, types[i].resource, &r);
		if (setrlimit(types[i].resource, &r) < 0) {
			strv_free(v);
			return bx_make_error(err, errno, "rlimit: cannot set %s", types[i].name);
		}
		char *soft = format_value(r.rlim_cur), *hard = format_value(r.rlim_max);
		char *w = xasprintf("%s %s:%s", types[i].name, soft, hard);
		strv_push(&v, w);
		free(w);
		free(soft);
		free(hard);
	}
	if (log && v) {
		char *s = strv_join(v, ", ");
		bx_tl_event(box->tl, "rlimit", "set", 0, "%s", s);
		free(s);
	}
	strv_free(v);
	return 0;
}

static int child_setup(struct bx_box *box, bx_err_t *err)
{
	return apply(box, true, err);
}

static int exec_child(struct bx_box *box, bx_err_t *err)
{
	return apply(box, false, err);
}

const struct bx_module bx_module_rlimit = {
	.name = "rlimit",
	.summary = "resource limits: --ulimit nofile=64, core=0, ... for every process of the container",
	.blocks = "a container using up the host's file descriptors or processes per user, huge core dumps",
	.kind = BX_KIND_OTHER,
	.default_on = true,
	.options = rlimit_opts,
	.probe = probe,
	.prepare = prepare,
	.child_setup = child_setup,
	.exec_child = exec_child,
};
