#include "util/xalloc.h"
#include "util/cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bx_oom(void)
{
	static const char msg[] = "boxlab: out of memory\n";
	if (write(2, msg, sizeof msg - 1) < 0) {
		/* nothing more we can do */
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		bx_oom();
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		bx_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		bx_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		bx_oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		bx_oom();
	return d;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		bx_oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void strv_take(char ***v, char *s)
{
	size_t n = strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof **v);
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void strv_push(char ***v, const char *s)
{
	strv_take(v, xstrdup(s));
}

void strv_pushf(char ***v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_take(v, xvasprintf(fmt, ap));
	va_end(ap);
}

char **strv_dup(char *const *v)
{
	char **d = NULL;
	if (!v)
		return NULL;
	for (size_t i = 0; v[i]; i++)
		strv_push(&d, v[i]);
	if (!d)
		d = xzalloc(sizeof *d);
	return d;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char *strv_join(char *const *v, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + seplen;
	char *out = xmalloc(len), *p = out;
	*p = '\0';
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			p = stpcpy(p, sep);
		p = stpcpy(p, v[i]);
	}
	return out;
}

void bx_freep(void *p)
{
	free(*(void **)p);
}

void bx_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

void bx_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

void bx_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

void bx_strvfreep(char ***v)
{
	strv_free(*v);
}
