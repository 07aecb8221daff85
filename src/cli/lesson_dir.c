/* Finding the lessons and reading their README.md: the title from
 * "# Lesson NN: Title", the steps from the "### N. Title" headings under
 * "## Steps".  The README is the one place a step is named; check.sh
 * reports on the same numbers. */
#include "cli/lesson.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int bx_lesson_root(char **root, bx_err_t *err)
{
	const char *env = getenv("BOXLAB_LESSONS");
	char exe[PATH_MAX];
	if (env && *env) {
		if (!is_dir(env))
			return bx_make_error(err, 0, "BOXLAB_LESSONS=%s is not a directory", env);
		*root = xstrdup(env);
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		const char *d = dirname(exe);
		/* build/boxlab in a checkout, PREFIX/bin/boxlab installed. */
		static const char *const rel[] = {"../lessons", "../share/boxlab/lessons"};
		for (size_t i = 0; i < N_ELEMENTS(rel); i++) {
			cleanup_free char *p = xasprintf("%s/%s", d, rel[i]);
			if (is_dir(p)) {
				*root = realpath(p, NULL);
				if (*root)
					return 0;
			}
		}
	}
	bx_make_error(err, 0, "no lessons directory next to the boxlab binary %s", n > 0 ? exe : "");
	return bx_error_hint(err, "set BOXLAB_LESSONS to the lessons/ of a boxlab checkout");
}

/* "NN-topic": two digits, a dash, a word. */
static bool lesson_name(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == '-' && s[3];
}

static void parse_readme(struct bx_lesson *l, const char *text)
{
	bool in_steps = false;
	const char *p = text;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		cleanup_free char *line = xstrndup(p, len);
		p = eol ? eol + 1 : NULL;
		if (!l->title && !strncmp(line, "# ", 2)) {
			char *t = strchr(line, ':');
			t = t ? t + 1 : line + 2;
			while (*t == ' ')
				t++;
			l->title = xstrdup(t);
		} else if (!strncmp(line, "## ", 3)) {
			in_steps = !strncmp(line + 3, "Steps", 5);
		} else if (in_steps && !strncmp(line, "### ", 4) && l->nsteps < BX_LESSON_MAX_STEPS) {
			char *end;
			long n = strtol(line + 4, &end, 10);
			if (end == line + 4 || *end != '.' || n != (long)l->nsteps + 1)
				continue;
			end++;
			while (*end == ' ')
				end++;
			struct bx_lesson_step *s = &l->steps[l->nsteps++];
			s->n = (int)n;
			s->title = xstrdup(end);
		}
	}
	if (!l->title)
		l->title = xstrdup(l->slug + 3);
}

static int load(const char *root, const char *slug, struct bx_lesson *l, bx_err_t *err)
{
	memset(l, 0, sizeof *l);
	memcpy(l->id, slug, 2);
	l->slug = xstrdup(slug);
	l->dir = xasprintf("%s/%s", root, slug);
	cleanup_free char *readme = xasprintf("%s/README.md", l->dir);
	cleanup_free char *text = bx_read_file(readme, NULL, err);
	if (!text) {
		bx_lesson_free(l);
		return -1;
	}
	parse_readme(l, text);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lesson dirs' names, sorted. */
static char **slugs(const char *root, bx_err_t *err)
{
	cleanup_dir DIR *d = opendir(root);
	struct dirent *e;
	if (!d) {
		bx_make_error(err, errno, "cannot read the lessons directory %s", root);
		return NULL;
	}
	char **v = xzalloc(sizeof *v); /* empty, not NULL: NULL is the error */
	while ((e = readdir(d))) {
		cleanup_free char *p = xasprintf("%s/%s", root, e->d_name);
		if (lesson_name(e->d_name) && is_dir(p))
			strv_push(&v, e->d_name);
	}
	qsort(v, strv_len(v), sizeof *v, cmp_str);
	return v;
}

int bx_lesson_list(struct bx_lesson **out, size_t *n, bx_err_t *err)
{
	cleanup_free char *root = NULL;
	if (bx_lesson_root(&root, err) < 0)
		return -1;
	cleanup_strv char **v = slugs(root, err);
	if (!v)
		return -1;
	*n = strv_len(v);
	*out = xzalloc((*n + 1) * sizeof **out);
	for (size_t i = 0; i < *n; i++)
		if (load(root, v[i], &(*out)[i], err) < 0) {
			bx_lesson_list_free(*out, i);
			*out = NULL;
			return -1;
		}
	return 0;
}

int bx_lesson_find(const char *arg, struct bx_lesson *l, bx_err_t *err)
{
	cleanup_free char *root = NULL;
	char id[3];
	if (bx_lesson_root(&root, err) < 0)
		return -1;
	cleanup_strv char **v = slugs(root, err);
	if (!v)
		return -1;
	/* "3", "03", "03-uts-ipc". */
	size_t len = strspn(arg, "0123456789");
	if ((len == 1 || len == 2) && (!arg[len] || arg[len] == '-')) {
		snprintf(id, sizeof id, "%02d", atoi(arg));
		for (size_t i = 0; v[i]; i++)
			if (!strncmp(v[i], id, 2) && (!arg[len] || !strcmp(v[i] + 3, arg + len + 1)))
				return load(root, v[i], l, err);
	}
	cleanup_free char *all = NULL;
	for (size_t i = 0; v[i]; i++) {
		char *a = xasprintf("%s%s%s", all ? all : "", all ? ", " : "", v[i]);
		free(all);
		all = a;
	}
	return bx_usage_error(err, "no lesson \"%s\" (lessons: %s; see 'boxlab lesson list')", arg,
			      all ? all : "none");
}

void bx_lesson_free(struct bx_lesson *l)
{
	free(l->dir);
	free(l->slug);
	free(l->title);
	for (size_t i = 0; i < l->nsteps; i++) {
		free(l->steps[i].title);
		free(l->steps[i].hint);
	}
	memset(l, 0, sizeof *l);
}

void bx_lesson_list_free(struct bx_lesson *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bx_lesson_free(&v[i]);
	free(v);
}

char *bx_lesson_step_text(const struct bx_lesson *l, int n)
{
	cleanup_free char *readme = xasprintf("%s/README.md", l->dir);
	bx_err_t tmp = NULL;
	cleanup_free char *text = bx_read_file(readme, NULL, &tmp);
	char head[32];
	bx_error_release(&tmp);
	if (!text)
		return NULL;
	snprintf(head, sizeof head, "\n### %d.", n);
	/* Only under "## Steps", as parse_readme reads them. */
	char *steps = strstr(text, "\n## Steps");
	char *s = steps ? strstr(steps, head) : NULL;
	if (!s)
		return NULL;
	s++;
	char *e = strstr(s + 4, "\n### ");
	char *e2 = strstr(s + 4, "\n## ");
	if (!e || (e2 && e2 < e))
		e = e2;
	return e ? xstrndup(s, (size_t)(e - s + 1)) : xstrdup(s);
}

bool bx_lesson_parse_line(const char *line, int *n, bool *ok, char **title, char **hint)
{
	const char *p;
	if (!strncmp(line, "ok ", 3)) {
		*ok = true;
		p = line + 3;
	} else if (!strncmp(line, "fail ", 5)) {
		*ok = false;
		p = line + 5;
	} else {
		return false;
	}
	char *end;
	long v = strtol(p, &end, 10);
	if (end == p || v < 1 || v > BX_LESSON_MAX_STEPS || (*end && *end != ' '))
		return false;
	*n = (int)v;
	while (*end == ' ')
		end++;
	const char *sep = strstr(end, " -- ");
	*title = xstrndup(end, sep ? (size_t)(sep - end) : strlen(end));
	*hint = sep ? xstrdup(sep + 4) : NULL;
	return true;
}

void bx_lesson_apply_output(struct bx_lesson *l, const char *out)
{
	const char *p = out;
	for (size_t i = 0; i < l->nsteps; i++) {
		l->steps[i].checked = l->steps[i].ok = false;
		free(l->steps[i].hint);
		l->steps[i].hint = NULL;
	}
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		cleanup_free char *line = xstrndup(p, eol ? (size_t)(eol - p) : strlen(p));
		cleanup_free char *title = NULL;
		char *hint = NULL;
		int n;
		bool ok;
		p = eol ? eol + 1 : NULL;
		if (!bx_lesson_parse_line(line, &n, &ok, &title, &hint) || n > (int)l->nsteps) {
			free(hint);
			continue;
		}
		struct bx_lesson_step *s = &l->steps[n - 1];
		s->checked = true;
		s->ok = ok;
		free(s->hint);
		s->hint = hint;
	}
}
