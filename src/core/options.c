/* The option table of `run`: one row per setting.  Module switches
 * (--no-<module>, [modules] <module> = on|off) are not rows here; they
 * come from the module registry so a new module needs no edit here. */
#include "core/spec.h"
#include "modules/module.h"
#include "modules/network.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static char *get_str(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

static char *get_bool(bool v)
{
	return xstrdup(v ? "true" : "false");
}

static int set_flag(bool *slot, const char *v, const char *what, bx_err_t *err)
{
	if (!v) {
		*slot = true;
		return 0;
	}
	if (bx_parse_bool(v, slot) < 0)
		return bx_usage_error(err, "%s: \"%s\" is not a boolean (allowed: true, false, on, off, yes, no, 1, 0)",
				      what, v);
	return 0;
}

static int set_name(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (bx_name_check(v, err) < 0)
		return -1;
	s->name_generated = false;
	return set_str(&s->name, v);
}
static char *get_name(const struct bx_spec *s) { return s->name_generated ? NULL : get_str(s->name); }

static int set_image(struct bx_spec *s, const char *v, bx_err_t *err)
{
	/* The rules `image import` names an image by (make fuzz found a
	 * name ending in '\' that wrote config.ini's next line into it). */
	bx_err_t why = NULL;
	if (bx_name_check(v, &why) < 0) {
		bx_error_release(&why);
		return bx_usage_error(err, "invalid image name \"%s\" (allowed: [a-z0-9][a-z0-9_.-]{0,62}; 'boxlab image ls' "
				      "lists them, the built-in one is busybox)", v);
	}
	return set_str(&s->image, v);
}
static char *get_image(const struct bx_spec *s) { return get_str(s->image); }

static int set_command(struct bx_spec *s, const char *v, bx_err_t *err)
{
	char **w;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	strv_free(s->argv);
	s->argv = strv_len(w) ? w : (strv_free(w), NULL);
	return 0;
}
static char *get_command(const struct bx_spec *s) { return s->argv ? bx_words_join(s->argv) : NULL; }

static int check_env(const char *e, bx_err_t *err)
{
	const char *eq = strchr(e, '=');
	if (!eq || eq == e)
		return bx_usage_error(err, "invalid environment variable \"%s\" (expected KEY=VALUE)", e);
	for (const char *p = e; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (p > e && *p >= '0' && *p <= '9')))
			return bx_usage_error(err, "invalid environment variable name in \"%s\" "
					      "(allowed: letters, digits and _, not starting with a digit)", e);
	return 0;
}

static int set_env(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (check_env(v, err) < 0)
		return -1;
	strv_push(&s->env, v);
	return 0;
}

static int set_env_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	strv_free(s->env);
	s->env = NULL;
	for (size_t i = 0; w[i]; i++)
		if (set_env(s, w[i], err) < 0)
			return -1;
	return 0;
}
static char *get_env(const struct bx_spec *s) { return s->env ? bx_words_join(s->env) : NULL; }

static int set_hostname(struct bx_spec *s, const char *v, bx_err_t *err)
{
	size_t n = strlen(v);
	if (n == 0 || n > 64)
		return bx_usage_error(err, "invalid hostname \"%s\": must be 1 to 64 characters", v);
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.' || *p == '_'))
			return bx_usage_error(err, "invalid hostname \"%s\" (allowed: letters, digits, '-', '.', '_')", v);
	return set_str(&s->hostname, v);
}
static char *get_hostname(const struct bx_spec *s) { return get_str(s->hostname); }

static int set_workdir(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (v[0] != '/')
		return bx_usage_error(err, "invalid working directory \"%s\": must be an absolute path", v);
	return set_str(&s->workdir, v);
}
static char *get_workdir(const struct bx_spec *s) { return get_str(s->workdir); }

static int set_user(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (!*v || strchr(v, ' '))
		return bx_usage_error(err, "invalid user \"%s\" (expected UID[:GID] or NAME[:GROUP])", v);
	return set_str(&s->user, v);
}
static char *get_user(const struct bx_spec *s) { return get_str(s->user); }

static int set_detach(struct bx_spec *s, const char *v, bx_err_t *err) { return set_flag(&s->detach, v, "detach", err); }
static char *get_detach(const struct bx_spec *s) { return get_bool(s->detach); }
static int set_rm(struct bx_spec *s, const char *v, bx_err_t *err) { return set_flag(&s->rm, v, "rm", err); }
static char *get_rm(const struct bx_spec *s) { return get_bool(s->rm); }
static int set_tty(struct bx_spec *s, const char *v, bx_err_t *err) { return set_flag(&s->tty, v, "tty", err); }
static char *get_tty(const struct bx_spec *s) { return get_bool(s->tty); }
static int set_interactive(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return set_flag(&s->interactive, v, "interactive", err);
}
static char *get_interactive(const struct bx_spec *s) { return get_bool(s->interactive); }

static int set_config(struct bx_spec *s, const char *v, bx_err_t *err)
{
	(void)err;
	return set_str(&s->config_file, v);
}

static int set_isolation(struct bx_spec *s, const char *v, bx_err_t *err)
{
	bool none = !strcmp(v, "none");
	if (!none && strcmp(v, "default"))
		return bx_usage_error(err, "invalid isolation \"%s\" (allowed: default, none)", v);
	for (size_t i = 0; i < bx_module_count(); i++)
		s->modules[i] = none ? false : bx_modules[i]->default_on;
	return 0;
}

static int set_module(struct bx_spec *s, const char *module, bool on)
{
	s->modules[bx_module_index(module)] = on;
	return 0;
}

static int set_userns(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (strcmp(v, "host") && strcmp(v, "private"))
		return bx_usage_error(err, "invalid --userns \"%s\" (allowed: private, host)", v);
	return set_module(s, "user", !strcmp(v, "private"));
}

static int set_net(struct bx_spec *s, const char *v, bx_err_t *err)
{
	const char *ctr = !strncmp(v, "container:", 10) ? v + 10 : NULL;
	bool bridge = !strcmp(v, "bridge"), none = !strcmp(v, "none");
	if (!bridge && !none && !ctr && strcmp(v, "host"))
		return bx_usage_error(err, "invalid --net \"%s\" (allowed: bridge, none, host, container:NAME)", v);
	/* container:NAME: the network module joins NAME's namespace, so the
	 * net module must not make a new one. */
	if (bx_network_set_container(s, ctr, err) < 0)
		return -1;
	bx_network_set_off(s, none ? "--net=none" : bridge || ctr ? NULL : "--net=host");
	set_module(s, "network", bridge || ctr);
	return set_module(s, "net", bridge || none);
}

static int parse_ulong(const char *v, unsigned long *out)
{
	char *end;
	/* strtoul would also take " 5", "+5" and "-5" (wrapped). */
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return (errno || *end) ? -1 : 0;
}

static int set_uid_range(struct bx_spec *s, const char *v, bx_err_t *err)
{
	cleanup_free char *copy = xstrdup(v);
	char *colon = strchr(copy, ':');
	unsigned long start, count = 65536;
	if (colon)
		*colon = '\0';
	if (parse_ulong(copy, &start) < 0 || (colon && parse_ulong(colon + 1, &count) < 0) ||
	    start == 0 || count == 0 || start + count > 4294967295UL)
		return bx_usage_error(err, "invalid uid range \"%s\" (expected START[:COUNT] with START > 0, "
				      "e.g. 100000:65536)", v);
	s->uid_start = start;
	s->uid_count = count;
	return 0;
}
static char *get_uid_range(const struct bx_spec *s) { return xasprintf("%lu:%lu", s->uid_start, s->uid_count); }

const struct bx_opt bx_run_opts[] = {
	{"name", 0, "container", "name", "NAME", "name of the container ([a-z0-9][a-z0-9_.-]{0,62}); generated when absent",
	 set_name, get_name},
	{NULL, 0, "container", "image", "IMAGE", "image to run (INI only; on the command line it is the first argument)",
	 set_image, get_image},
	{NULL, 0, "container", "command", "WORDS", "command and arguments, shell-quoted (INI only)", set_command, get_command},
	{"detach", 'd', "container", "detach", NULL, "run in the background and print the name", set_detach, get_detach},
	{"rm", 0, "container", "rm", NULL, "remove the container when it exits", set_rm, get_rm},
	{"tty", 't', "container", "tty", NULL, "give the command a pseudo-terminal", set_tty, get_tty},
	{"interactive", 'i', "container", "interactive", NULL, "keep standard input open", set_interactive,
	 get_interactive},
	{"env", 'e', NULL, NULL, "KEY=VALUE", "set an environment variable (repeatable)", set_env, NULL},
	{NULL, 0, "container", "env", "WORDS", "environment, shell-quoted KEY=VALUE words (INI only)", set_env_list,
	 get_env},
	{"hostname", 0, "container", "hostname", "NAME", "host name inside (default: the container name)",
	 set_hostname, get_hostname},
	{"workdir", 'w', "container", "workdir", "DIR", "working directory inside, created if missing", set_workdir,
	 get_workdir},
	{"user", 'u', "container", "user", "UID[:GID]", "user to run as, numeric or a name from the image's /etc/passwd",
	 set_user, get_user},
	{"isolation", 0, NULL, NULL, "default|none", "start from every module on (default) or off (none)",
	 set_isolation, NULL},
	{"userns", 0, NULL, NULL, "private|host", "private user namespace, or the host's (same as --no-user)",
	 set_userns, NULL},
	{"net", 0, NULL, NULL, "MODE", "bridge (default: a veth on a bridge), none (only lo), host (the host's "
	 "stack) or container:NAME (share NAME's)", set_net, NULL},
	{"uid-range", 0, "user", "range", "START[:COUNT]", "host uids/gids that container ids 0.. map to "
	 "(default: /etc/subuid entry 'boxlab', else 100000:65536)", set_uid_range, get_uid_range},
	{"config", 0, NULL, NULL, "FILE", "read settings from an INI file; flags override it", set_config, NULL},
	{0},
};
