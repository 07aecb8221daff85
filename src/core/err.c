#include "core/err.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set(bx_err_t *err, int errnum, int exit_code, char *msg)
{
	if (*err) {
		/* Keep the first error: it is the cause, later ones are fallout. */
		free(msg);
		return -1;
	}
	*err = xzalloc(sizeof **err);
	(*err)->errnum = errnum;
	(*err)->exit_code = exit_code;
	(*err)->msg = msg;
	return -1;
}

int bx_make_error(bx_err_t *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *what, *msg;
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (errnum) {
		msg = xasprintf("%s: %s", what, strerror(errnum));
		free(what);
	} else {
		msg = what;
	}
	return set(err, errnum, 0, msg);
}

int bx_usage_error(bx_err_t *err, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	return set(err, 0, BX_EXIT_USAGE, msg);
}

static void rewrite(bx_err_t *err, const char *fmt, va_list ap, int prefix)
{
	char *extra, *msg;
	if (!*err)
		return;
	if (vasprintf(&extra, fmt, ap) < 0)
		abort();
	msg = prefix ? xasprintf("%s: %s", extra, (*err)->msg)
		     : xasprintf("%s (%s)", (*err)->msg, extra);
	free(extra);
	free((*err)->msg);
	(*err)->msg = msg;
}

int bx_error_wrap(bx_err_t *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rewrite(err, fmt, ap, 1);
	va_end(ap);
	return -1;
}

int bx_error_hint(bx_err_t *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rewrite(err, fmt, ap, 0);
	va_end(ap);
	return -1;
}

int bx_error_errno(bx_err_t err)
{
	return err ? err->errnum : 0;
}

void bx_error_release(bx_err_t *err)
{
	if (!*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

int bx_error_report(bx_err_t *err, int default_code)
{
	int code = default_code;
	if (!*err)
		return code;
	if ((*err)->exit_code)
		code = (*err)->exit_code;
	fprintf(stderr, "boxlab: %s\n", (*err)->msg);
	bx_error_release(err);
	return code;
}

void bx_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("boxlab: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
