#include "core/timeline.h"
#include "core/proc.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bx_tl_open(struct bx_timeline *tl, const char *name, uint64_t t0, bx_err_t *err)
{
	cleanup_free char *path = bx_state_path(name, "events.log");
	tl->t0 = t0;
	tl->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (tl->fd < 0)
		return bx_make_error(err, errno, "cannot open %s", path);
	return 0;
}

void bx_tl_close(struct bx_timeline *tl)
{
	if (tl->fd >= 0)
		close(tl->fd);
	tl->fd = -1;
}

/* A tab or newline becomes a blank, so that a field never breaks the
 * line. */
static void unbreak(char *s)
{
	for (char *p = s; (p = strpbrk(p, "\t\n"));)
		*p++ = ' ';
}

/* The module and phase fields: truncated, and unbroken. */
static void clean_field(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	unbreak(dst);
}

static size_t put_u64(char *dst, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	return n;
}

static size_t put_str(char *dst, const char *s, char end)
{
	size_t n = strlen(s);
	memcpy(dst, s, n);
	dst[n] = end;
	return n + 1;
}

/* By hand, not snprintf: about 50 events are written at every start,
 * and the five-field printf was most of their user time. */
int bx_tl_format(char *buf, size_t len, const struct bx_event *ev)
{
	char line[20 + 1 + 20 + 1 + sizeof ev->module + sizeof ev->phase + sizeof ev->message + 1];
	size_t n = put_u64(line, ev->time_us);
	line[n++] = '\t';
	n += put_u64(line + n, ev->dur_us);
	line[n++] = '\t';
	n += put_str(line + n, ev->module, '\t');
	n += put_str(line + n, ev->phase, '\t');
	n += put_str(line + n, ev->message, '\n');
	if (len) {
		size_t copy = n < len ? n : len - 1;
		memcpy(buf, line, copy);
		buf[copy] = '\0';
	}
	return (int)n;
}

void bx_tl_event(struct bx_timeline *tl, const char *module, const char *phase, uint64_t start,
		 const char *fmt, ...)
{
	struct bx_event ev;
	char line[600];
	uint64_t now = bx_now_us();
	va_list ap;

	if (!tl || tl->fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ev.message, sizeof ev.message, fmt, ap);
	va_end(ap);
	unbreak(ev.message);
	ev.time_us = (start ? start : now) - tl->t0;
	ev.dur_us = start ? now - start : 0;
	clean_field(ev.module, sizeof ev.module, module);
	clean_field(ev.phase, sizeof ev.phase, phase);
	int n = bx_tl_format(line, sizeof line, &ev);
	if (write(tl->fd, line, (size_t)n) < 0) {
		/* The timeline is for teaching; it never fails a container. */
	}
}

int bx_tl_parse(const char *line, struct bx_event *ev)
{
	const char *f[5];
	size_t flen[5];
	const char *p = line;
	memset(ev, 0, sizeof *ev);
	for (int i = 0; i < 5; i++) {
		const char *end = i < 4 ? strchr(p, '\t') : p + strcspn(p, "\n");
		if (!end)
			return -1;
		f[i] = p;
		flen[i] = end - p;
		p = end + 1;
	}
	char *e;
	ev->time_us = strtoull(f[0], &e, 10);
	if (e != f[0] + flen[0] || !flen[0])
		return -1;
	ev->dur_us = strtoull(f[1], &e, 10);
	if (e != f[1] + flen[1] || !flen[1])
		return -1;
	snprintf(ev->module, sizeof ev->module, "%.*s", (int)flen[2], f[2]);
	snprintf(ev->phase, sizeof ev->phase, "%.*s", (int)flen[3], f[3]);
	snprintf(ev->message, sizeof ev->message, "%.*s", (int)flen[4], f[4]);
	return 0;
}

int bx_tl_read(const char *name, struct bx_event **events, size_t *n, bx_err_t *err)
{
	cleanup_free char *path = bx_state_path(name, "events.log");
	cleanup_file FILE *f = fopen(path, "re");
	char line[1024];
	*events = NULL;
	*n = 0;
	if (!f)
		return bx_make_error(err, errno, "cannot read the timeline %s", path);
	while (fgets(line, sizeof line, f)) {
		struct bx_event ev;
		if (bx_tl_parse(line, &ev) < 0)
			continue;
		*events = xrealloc(*events, (*n + 1) * sizeof **events);
		(*events)[(*n)++] = ev;
	}
	return 0;
}
