#include "core/logfile.h"
#include "core/times.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAMP_LEN 30 /* 2026-12-01T21:07:00.123456789Z */

int bx_logw_open(struct bx_logw *w, const char *path, int64_t max_size, int max_files, bx_err_t *err)
{
	struct stat st;
	memset(w, 0, sizeof *w);
	w->path = xstrdup(path);
	w->max_size = max_size;
	w->max_files = max_files > 0 ? max_files : 1;
	w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (w->fd < 0)
		return bx_make_error(err, errno, "cannot open %s", path);
	w->size = fstat(w->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

void bx_logw_close(struct bx_logw *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->path);
	w->path = NULL;
}

static void rotate(struct bx_logw *w)
{
	/* stdout.log.(k) -> .(k+1), the oldest overwritten; with a single
	 * file the current one is simply started afresh. */
	for (int k = w->max_files - 2; k >= 1; k--) {
		char *from = xasprintf("%s.%d", w->path, k), *to = xasprintf("%s.%d", w->path, k + 1);
		rename(from, to);
		free(from);
		free(to);
	}
	if (w->max_files > 1) {
		char *to = xasprintf("%s.1", w->path);
		rename(w->path, to);
		free(to);
	} else {
		unlink(w->path);
	}
	int fd = open(w->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return; /* keep writing to the old one: output is never dropped for this */
	close(w->fd);
	w->fd = fd;
	w->size = 0;
}

size_t bx_log_format(char *buf, int64_t ns, const char *stream, bool partial, const char *text, size_t len)
{
	char stamp[40];
	bx_format_rfc3339nano(ns, stamp, sizeof stamp);
	int n = sprintf(buf, "%s %s %c ", stamp, stream, partial ? 'P' : 'F');
	memcpy(buf + n, text, len);
	buf[n + len] = '\n';
	return n + len + 1;
}

static void write_all(int fd, const char *buf, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t k = write(fd, buf + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return; /* a full /run: the container goes on */
		off += k;
	}
}

/* Records of one read are gathered and written with one write (a chatty
 * container's 300000 lines were 300000 syscalls), flushed early only
 * where a rotation falls between them. */
struct batch {
	char buf[65536];
	size_t n;
};

static void flush(struct bx_logw *w, struct batch *b)
{
	write_all(w->fd, b->buf, b->n);
	w->size += b->n;
	b->n = 0;
}

static void emit(struct bx_logw *w, struct batch *b, int64_t ns, const char *stream, bool partial, const char *text,
		 size_t len)
{
	size_t need = len + 64;
	if (w->max_size > 0 && w->size + (int64_t)b->n > 0 && w->size + (int64_t)(b->n + need) > w->max_size) {
		flush(w, b);
		if (w->size > 0)
			rotate(w);
	}
	if (b->n + need > sizeof b->buf)
		flush(w, b);
	if (need > sizeof b->buf) { /* one long line: on its own */
		char *big = xmalloc(need);
		size_t n = bx_log_format(big, ns, stream, partial, text, len);
		write_all(w->fd, big, n);
		w->size += n;
		free(big);
		return;
	}
	b->n += bx_log_format(b->buf + b->n, ns, stream, partial, text, len);
}

void bx_logw_write(struct bx_logw *w, const char *stream, const char *buf, size_t n)
{
	int64_t ns = bx_realtime_ns();
	struct batch *b;
	if (!w || w->fd < 0)
		return;
	b = xmalloc(sizeof *b);
	b->n = 0;
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t len = nl ? (size_t)(nl - buf) : n;
		emit(w, b, ns, stream, !nl, buf, len);
		if (!nl)
			break;
		buf += len + 1;
		n -= len + 1;
	}
	flush(w, b);
	free(b);
}

void bx_log_parse(const char *line, size_t len, int64_t prev_ns, struct bx_log_rec *r)
{
	const char *end;
	int64_t ns;
	/* "<stamp> stdout F <text>": 30 + 1 + 6 + 1 + 1 + 1 = 40 bytes of
	 * header (an empty line may end after the flag). */
	if (len >= STAMP_LEN + 9 && line[STAMP_LEN] == ' ' && line[STAMP_LEN + 7] == ' ' &&
	    (line[STAMP_LEN + 8] == 'F' || line[STAMP_LEN + 8] == 'P') &&
	    (len == STAMP_LEN + 9 || line[STAMP_LEN + 9] == ' ') &&
	    (!memcmp(line + STAMP_LEN + 1, "stdout", 6) || !memcmp(line + STAMP_LEN + 1, "stderr", 6)) &&
	    bx_parse_rfc3339(line, &ns, &end) == 0 && end == line + STAMP_LEN) {
		r->ns = ns;
		r->err = line[STAMP_LEN + 4] == 'e';
		r->partial = line[STAMP_LEN + 8] == 'P';
		r->text = line + (len > STAMP_LEN + 9 ? STAMP_LEN + 10 : len);
		r->len = len > STAMP_LEN + 9 ? len - STAMP_LEN - 10 : 0;
		return;
	}
	r->ns = prev_ns;
	r->err = false;
	r->partial = false;
	r->text = line;
	r->len = len;
}

char **bx_log_files(const char *path)
{
	char **v = xzalloc(sizeof *v);
	/* Oldest first: find the highest .N that exists (rotation keeps
	 * them contiguous from 1). */
	int n = 0;
	for (;;) {
		char *p = xasprintf("%s.%d", path, n + 1);
		bool there = access(p, F_OK) == 0;
		free(p);
		if (!there)
			break;
		n++;
	}
	for (int k = n; k >= 1; k--) {
		char *p = xasprintf("%s.%d", path, k);
		strv_push(&v, p);
		free(p);
	}
	if (access(path, F_OK) == 0)
		strv_push(&v, path);
	return v;
}
