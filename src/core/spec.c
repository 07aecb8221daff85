/* Building a spec: defaults, then the INI file named by --config, then
 * the flags, in that order, so flags always win.  --isolation is applied
 * before any single module switch wherever it stands. */
#include "core/spec.h"
#include "core/logfile.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <iniparser.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void bx_spec_init(struct bx_spec *s)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < bx_module_count(); i++)
		s->modules[i] = bx_modules[i]->default_on;
	s->uid_start = 100000;
	s->uid_count = 65536;
	bx_supervise_conf_init(&s->sup);

	/* A "boxlab:START:COUNT" line in /etc/subuid picks the range, as
	 * Docker's userns-remap reads "dockremap". */
	cleanup_file FILE *f = fopen("/etc/subuid", "re");
	char line[256];
	while (f && fgets(line, sizeof line, f)) {
		unsigned long start, count;
		if (sscanf(line, "boxlab:%lu:%lu", &start, &count) == 2 && start && count) {
			s->uid_start = start;
			s->uid_count = count;
			break;
		}
	}
}

const struct bx_opt *const *bx_all_opts(void)
{
	static const struct bx_opt **all;
	size_t n = 0;
	if (all)
		return all;
	for (const struct bx_opt *o = bx_run_opts; o->help; o++)
		n++;
	for (const struct bx_opt *o = bx_supervise_opts; o->help; o++)
		n++;
	for (size_t i = 0; bx_modules[i]; i++)
		for (const struct bx_opt *o = bx_modules[i]->options; o && o->help; o++)
			n++;
	all = xzalloc((n + 1) * sizeof *all);
	n = 0;
	for (const struct bx_opt *o = bx_run_opts; o->help; o++)
		all[n++] = o;
	for (const struct bx_opt *o = bx_supervise_opts; o->help; o++)
		all[n++] = o;
	for (size_t i = 0; bx_modules[i]; i++)
		for (const struct bx_opt *o = bx_modules[i]->options; o && o->help; o++)
			all[n++] = o;
	return all;
}

void *bx_spec_conf(struct bx_spec *s, const char *module, size_t size)
{
	int i = bx_module_index(module);
	if (i < 0)
		abort(); /* a module asking for a name not in the registry */
	if (!s->conf[i])
		s->conf[i] = xzalloc(size);
	return s->conf[i];
}

void bx_spec_free(struct bx_spec *s)
{
	for (size_t i = 0; bx_modules[i]; i++)
		if (s->conf[i]) {
			if (bx_modules[i]->free_conf)
				bx_modules[i]->free_conf(s->conf[i]);
			free(s->conf[i]);
		}
	free(s->name);
	free(s->image);
	strv_free(s->argv);
	strv_free(s->env);
	free(s->hostname);
	free(s->workdir);
	free(s->user);
	free(s->config_file);
	free(s->sup.health_cmd);
	memset(s, 0, sizeof *s);
}

static const struct bx_opt *find_flag(const char *flag, size_t len)
{
	bx_foreach_opt(o)
		if (o->flag && strlen(o->flag) == len && !strncmp(o->flag, flag, len))
			return o;
	return NULL;
}

static const struct bx_opt *find_short(char c)
{
	bx_foreach_opt(o)
		if (o->short_flag == c)
			return o;
	return NULL;
}

static int set_str_opt(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static const struct bx_opt *find_key(const char *section, const char *key)
{
	bx_foreach_opt(o)
		if (o->section && !strcmp(o->section, section) && !strcmp(o->key, key))
			return o;
	return NULL;
}

static int set_isolation_ini(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return find_flag("isolation", 9)->set(s, v, err);
}

/* One parsed flag, applied after the INI file. */
struct action {
	const struct bx_opt *opt; /* NULL: a module switch */
	int module;
	bool on;
	const char *value;
};

static int module_switch(const char *flag, size_t len, struct action *a)
{
	bool on = true;
	if (len > 3 && !strncmp(flag, "no-", 3)) {
		on = false;
		flag += 3;
		len -= 3;
	}
	cleanup_free char *name = xstrndup(flag, len);
	int idx = bx_module_index(name);
	if (idx < 0)
		return -1;
	a->opt = NULL;
	a->module = idx;
	a->on = on;
	return 0;
}

/* Must a single INI value be quoted as a whole?  iniparser ends a value
 * at ';' or '#', strips quotes around it and blanks at either end, and
 * joins a line ending in a backslash to the next (bx_spec_write_ini). */
static bool ini_needs_quotes(const char *v)
{
	size_t len = strlen(v);
	return strpbrk(v, ";#") || v[0] == '"' || v[0] == '\'' ||
	       (len && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1]) || v[len - 1] == '\\'));
}

/* A flag's value is kept in config.ini, one value a line, which gc and
 * --config read back: refuse what that file could not hold (found by
 * tests/fuzz/fuzz_cli.c), rather than write a spec that replays as
 * something else. */
static int ini_value_check(const char *v, bx_err_t *err)
{
	if (strchr(v, '\n'))
		return bx_usage_error(err, "the value has a line break, which no setting but -e allows");
	if (ini_needs_quotes(v) && strchr(v, '"') && strchr(v, '\''))
		return bx_usage_error(err, "a value with both kinds of quotes must not start or end with a quote or "
				      "blank, nor hold ';' or '#'");
	return 0;
}

/* Every line of the spec as config.ini will hold it must be short
 * enough to be read back (found by tests/fuzz/fuzz_cli.c: a long
 * command made a config.ini that --config and gc could not load). */
static int ini_lines_check(const struct bx_spec *s, bx_err_t *err)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	bx_spec_write_ini(s, f);
	fclose(f);
	int ret = 0;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (nl - line > BX_INI_LINE_MAX) {
			int klen = (int)strcspn(line, " =");
			ret = bx_usage_error(err, "the %.*s setting is too long to keep in config.ini (%d bytes as written, "
					     "at most %d): put a long command in a script", klen, line, (int)(nl - line),
					     BX_INI_LINE_MAX);
			break;
		}
		if (!*nl)
			break;
	}
	free(text);
	return ret;
}

static int unknown_flag(const char *arg, bx_err_t *err)
{
	return bx_usage_error(err, "unknown flag '%s' (see 'boxlab run --help' for the flags)", arg);
}

int bx_spec_parse_args(struct bx_spec *s, int argc, char **argv, bx_err_t *err)
{
	size_t n = 0, cap = 1;
	int i;
	/* A group of short flags ("-itd") is one word but several actions. */
	for (i = 0; i < argc; i++)
		cap += strlen(argv[i]);
	cleanup_free struct action *acts = xzalloc(cap * sizeof *acts);

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (arg[1] == '-') {
			const char *flag = arg + 2, *eq = strchr(flag, '=');
			size_t len = eq ? (size_t)(eq - flag) : strlen(flag);
			const struct bx_opt *o = find_flag(flag, len);
			if (!o) {
				if (module_switch(flag, len, &acts[n]) < 0 || eq)
					return unknown_flag(arg, err);
				n++;
				continue;
			}
			acts[n].opt = o;
			if (eq) {
				if (!o->arg)
					return bx_usage_error(err, "flag '--%s' takes no value", o->flag);
				acts[n].value = eq + 1;
			} else if (o->arg) {
				if (i + 1 >= argc)
					return bx_usage_error(err, "flag '--%s' needs a value: %s", o->flag, o->arg);
				acts[n].value = argv[++i];
			}
			n++;
			continue;
		}
		/* Short flags, combinable as in "-it"; a value may follow
		 * directly ("-eK=V") or as the next word. */
		for (const char *c = arg + 1; *c; c++) {
			const struct bx_opt *o = find_short(*c);
			if (!o)
				return bx_usage_error(err, "unknown flag '-%c' in '%s' (see 'boxlab run --help')", *c, arg);
			acts[n].opt = o;
			if (o->arg) {
				if (c[1])
					acts[n].value = c + 1;
				else if (i + 1 < argc)
					acts[n].value = argv[++i];
				else
					return bx_usage_error(err, "flag '-%c' needs a value: %s", *c, o->arg);
				n++;
				break;
			}
			n++;
		}
	}

	/* --config first, so every flag overrides the file; then
	 * --isolation, so single switches refine it wherever they stand. */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t k = 0; k < n; k++) {
			const struct bx_opt *o = acts[k].opt;
			int kind = !o ? 2 : (o->flag && !strcmp(o->flag, "config")) ? 0
				       : (o->flag && !strcmp(o->flag, "isolation")) ? 1 : 2;
			if (kind != pass)
				continue;
			if (!o) {
				s->modules[acts[k].module] = acts[k].on;
				continue;
			}
			if (kind == 0) {
				if (set_str_opt(&s->config_file, acts[k].value) ||
				    bx_spec_load_ini(s, acts[k].value, err) < 0)
					return -1;
				continue;
			}
			/* The environment is a word list, whose writer escapes
			 * anything (words.c). */
			if (acts[k].value && strcmp(o->flag, "env") && ini_value_check(acts[k].value, err) < 0)
				return bx_error_wrap(err, "--%s", o->flag);
			if (o->set(s, acts[k].value, err) < 0)
				return bx_error_wrap(err, "--%s", o->flag);
		}
	}
	if (i < argc && ini_value_check(argv[i], err) < 0)
		return bx_error_wrap(err, "the image name");
	if (i < argc && find_key("container", "image")->set(s, argv[i++], err) < 0)
		return -1;
	if (i < argc) {
		strv_free(s->argv);
		s->argv = NULL;
		/* argc bounds the words: argv need not be NULL-terminated. */
		for (; i < argc; i++)
			strv_push(&s->argv, argv[i]);
	}
	return 0;
}

static int ini_quiet(const char *fmt, ...)
{
	/* iniparser prints its own complaints; syntax_check() already gave
	 * ours, naming file and line. */
	(void)fmt;
	return 0;
}

static char *allowed_keys(const char *section)
{
	char **keys = NULL;
	if (!strcmp(section, "modules")) {
		strv_push(&keys, "isolation");
		for (size_t i = 0; i < bx_module_count(); i++)
			strv_push(&keys, bx_modules[i]->name);
	} else {
		bx_foreach_opt(o)
			if (o->section && !strcmp(o->section, section))
				strv_push(&keys, o->key);
	}
	char *out = strv_join(keys, ", ");
	strv_free(keys);
	return out;
}

static char *allowed_sections(void)
{
	char **v = NULL;
	bx_foreach_opt(o) {
		if (!o->section)
			continue;
		cleanup_free char *b = xasprintf("[%s]", o->section);
		bool seen = false;
		for (size_t k = 0; v && v[k]; k++)
			seen |= !strcmp(v[k], b);
		if (!seen)
			strv_push(&v, b);
	}
	strv_push(&v, "[modules]");
	char *s = strv_join(v, ", ");
	strv_free(v);
	return s;
}

static bool known_section(const char *sec)
{
	if (!strcmp(sec, "modules"))
		return true;
	bx_foreach_opt(o)
		if (o->section && !strcmp(o->section, sec))
			return true;
	return false;
}

static int syntax_check(const char *path, bx_err_t *err)
{
	/* iniparser skips lines it cannot parse with only a message on
	 * stderr; a lab file with a typo must fail instead. */
	cleanup_file FILE *f = fopen(path, "re");
	char line[4096];
	int no = 0;
	bool in_section = false;
	if (!f)
		return bx_make_error(err, errno, "cannot read config file %s", path);
	while (fgets(line, sizeof line, f)) {
		char *p = line, *end;
		no++;
		size_t len = strcspn(line, "\n");
		if (len > BX_INI_LINE_MAX)
			return bx_usage_error(err, "%s:%d: the line is longer than %d bytes, which the INI reader cannot "
					      "take", path, no, BX_INI_LINE_MAX);
		while (isspace((unsigned char)*p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			if (end[-1] != ']' || end - p < 3)
				return bx_usage_error(err, "%s:%d: malformed section header \"%s\" (expected [section])",
						      path, no, p);
			/* iniparser keys are SECTION:KEY: [network:container]
			 * would pose as the key container of [network]. */
			if (memchr(p, ':', (size_t)(end - p))) {
				cleanup_free char *allowed = allowed_sections();
				return bx_usage_error(err, "%s:%d: unknown section %s (allowed: %s)", path, no, p,
						      allowed);
			}
			in_section = true;
			continue;
		}
		if (!strchr(p, '=') || *p == '=')
			return bx_usage_error(err, "%s:%d: expected \"key = value\", got \"%s\"", path, no, p);
		/* iniparser would keep a key before any [section] where no
		 * lookup ever finds it: the setting would be silently lost. */
		if (!in_section) {
			cleanup_free char *allowed = allowed_sections();
			return bx_usage_error(err, "%s:%d: \"%s\" is outside any section (put it under one of %s)",
					      path, no, p, allowed);
		}
	}
	return 0;
}

int bx_spec_load_ini(struct bx_spec *s, const char *path, bx_err_t *err)
{
	dictionary *d;
	int ret = 0;

	if (syntax_check(path, err) < 0)
		return -1;
	iniparser_set_error_callback(ini_quiet);
	d = iniparser_load(path);
	if (!d)
		return bx_make_error(err, errno ? errno : EINVAL, "cannot parse config file %s", path);

	/* Module keys: isolation first, as with flags. */
	const char *iso = iniparser_getstring(d, "modules:isolation", NULL);
	if (iso && set_isolation_ini(s, iso, err) < 0) {
		ret = bx_error_wrap(err, "%s: [modules] isolation", path);
		goto out;
	}
	for (int si = 0; si < iniparser_getnsec(d); si++) {
		const char *sec = iniparser_getsecname(d, si);
		int nkeys = iniparser_getsecnkeys(d, sec);
		const char **keys = xzalloc((nkeys + 1) * sizeof *keys);
		if (!known_section(sec)) {
			free(keys);
			cleanup_free char *allowed = allowed_sections();
			ret = bx_usage_error(err, "%s: unknown section [%s] (allowed: %s)", path, sec, allowed);
			goto out;
		}
		iniparser_getseckeys(d, sec, keys);
		for (int k = 0; k < nkeys && ret == 0; k++) {
			const char *key = keys[k] + strlen(sec) + 1;
			const char *val = iniparser_getstring(d, keys[k], "");
			if (!strcmp(sec, "modules")) {
				bool on;
				if (!strcmp(key, "isolation"))
					continue;
				int idx = bx_module_index(key);
				if (idx < 0) {
					cleanup_free char *allowed = allowed_keys(sec);
					ret = bx_usage_error(err, "%s: unknown key \"%s\" in [modules] (allowed: %s)",
							     path, key, allowed);
				} else if (bx_parse_bool(val, &on) < 0) {
					ret = bx_usage_error(err, "%s: [modules] %s = \"%s\" is not on or off", path,
							     key, val);
				} else {
					s->modules[idx] = on;
				}
				continue;
			}
			const struct bx_opt *o = find_key(sec, key);
			if (!o) {
				cleanup_free char *allowed = allowed_keys(sec);
				ret = bx_usage_error(err, "%s: unknown key \"%s\" in [%s] (allowed: %s)", path, key, sec,
						     allowed);
			} else if (o->set(s, val, err) < 0) {
				ret = bx_error_wrap(err, "%s: [%s] %s", path, sec, key);
			}
		}
		free(keys);
		if (ret < 0)
			goto out;
	}
	/* What loads must write out loadable again: a value the writer
	 * quotes and escapes can outgrow the reader's line (found by
	 * make fuzz: tests/fuzz/corpus/ini/crash-long-quoted-command). */
	if (ini_lines_check(s, err) < 0)
		ret = bx_error_wrap(err, "%s", path);
out:
	iniparser_freedict(d);
	return ret;
}

int bx_spec_finalize(struct bx_spec *s, bx_err_t *err)
{
	if (!s->image)
		return bx_usage_error(err, "no image given (usage: boxlab run [OPTIONS] IMAGE [COMMAND [ARG...]]; "
				      "the built-in image is busybox)");
	if (!s->name) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s->name = bx_name_generate((unsigned)(ts.tv_nsec ^ getpid() * 2654435761u));
		s->name_generated = true;
	}
	if (bx_supervise_conf_check(s, err) < 0)
		return -1;
	if (ini_lines_check(s, err) < 0)
		return -1;
	if (s->detach && s->interactive)
		return bx_usage_error(err, "-d cannot be combined with -i: a detached container has no standard input "
				      "(use -d alone, or -it in the foreground)");
	for (size_t i = 0; bx_modules[i]; i++)
		if (bx_modules[i]->finalize && bx_modules[i]->finalize(s, err) < 0)
			return -1;
	return 0;
}

void bx_spec_write_ini(const struct bx_spec *s, FILE *out)
{
	const char *sections[32];
	size_t nsec = 0;
	bx_foreach_opt(o) {
		bool seen = false;
		for (size_t k = 0; k < nsec; k++)
			seen |= o->section && !strcmp(sections[k], o->section);
		if (o->section && !seen && nsec < N_ELEMENTS(sections))
			sections[nsec++] = o->section;
	}
	fprintf(out, "# boxlab container %s: replay with 'boxlab run --config FILE'\n", s->name ? s->name : "");
	for (size_t si = 0; si < nsec; si++) {
		fprintf(out, "%s[%s]\n", si ? "\n" : "", sections[si]);
		bx_foreach_opt(o) {
			if (!o->section || strcmp(o->section, sections[si]) || !o->get)
				continue;
			cleanup_free char *v = o->get(s);
			if (!v)
				continue;
			/* Word lists come from bx_words_join, safe for iniparser;
			 * a single value with ';', '#' or a leading quote is
			 * quoted as a whole with a quote it does not hold.  So is
			 * one that iniparser would strip (blanks at either end) or
			 * join to the next line (a trailing backslash). */
			bool wrap = ini_needs_quotes(v);
			if (wrap && !strchr(v, '"'))
				fprintf(out, "%s = \"%s\"\n", o->key, v);
			else if (wrap && !strchr(v, '\''))
				fprintf(out, "%s = '%s'\n", o->key, v);
			else
				fprintf(out, "%s = %s\n", o->key, v);
		}
	}
	fprintf(out, "\n[modules]\n");
	for (size_t i = 0; i < bx_module_count(); i++)
		fprintf(out, "%s = %s\n", bx_modules[i]->name, s->modules[i] ? "on" : "off");
}

void bx_spec_print_options(FILE *out)
{
	bx_foreach_opt(o) {
		char left[64];
		if (!o->flag)
			continue;
		if (o->short_flag)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_flag, o->flag, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->flag, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
	fprintf(out, "\nModule switches (each also an INI key in [modules]):\n");
	for (size_t i = 0; i < bx_module_count(); i++) {
		char left[64];
		/* A flag of the same name wins over the switch (--user UID):
		 * do not offer a switch that does not exist. */
		if (find_flag(bx_modules[i]->name, strlen(bx_modules[i]->name)))
			snprintf(left, sizeof left, "    --no-%s", bx_modules[i]->name);
		else
			snprintf(left, sizeof left, "    --no-%s, --%s", bx_modules[i]->name, bx_modules[i]->name);
		fprintf(out, "  %-30s %s%s\n", left, bx_modules[i]->summary,
			bx_modules[i]->default_on ? "" : " (off by default)");
	}
}
