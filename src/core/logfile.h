/* stdout.log: what a container wrote, one record a line in the CRI log
 * format (the one containerd and CRI-O write for Kubernetes):
 *
 *     2026-12-01T21:07:00.123456789Z stdout F hello world
 *
 * the time the supervisor read it (RFC 3339, always 9 fraction digits,
 * UTC), the stream (stdout or stderr), F for a full line or P for a
 * piece without its newline yet (a prompt, a progress bar, the rest of a
 * line longer than one read), and the bytes themselves.
 *
 * Why this format: `logs` stays a plain scan (memchr per line, a fixed
 * 30-byte stamp parsed only when --since/--until/--timestamps ask), the
 * stamps sort as text so whole rotated files are skipped by their first
 * line, partial records keep the output byte-exact without a flush
 * timer, and students can read it with cat and grep.  Docker's json-file
 * would need JSON escaping on every write and a parser on every read.
 *
 * Rotation: when a record would take stdout.log past max_size, it
 * becomes stdout.log.1 (.1 becomes .2 ... up to max_files - 1; the
 * oldest is dropped) and a new stdout.log starts.  There is one writer
 * (the supervisor), so renames need no lock; `logs -f` notices the new
 * inode and finishes the old file first.
 *
 * Lines that are not records (a checkpoint restored by CRIU writes the
 * container's raw output to the file) are read as stdout lines with the
 * time of the record before them. */
#ifndef BX_LOGFILE_H
#define BX_LOGFILE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BX_LOG_DEFAULT_MAX_SIZE (10LL << 20)
#define BX_LOG_DEFAULT_MAX_FILES 2

struct bx_logw {
	char *path;        /* .../stdout.log */
	int fd;
	int64_t size;      /* of the current file */
	int64_t max_size;  /* 0: never rotate */
	int max_files;     /* files kept, the current one included */
};

int bx_logw_open(struct bx_logw *w, const char *path, int64_t max_size, int max_files, bx_err_t *err);
/* Append what one read() of stream returned: full lines as F records,
 * a trailing piece as a P record. */
void bx_logw_write(struct bx_logw *w, const char *stream, const char *buf, size_t n);
void bx_logw_close(struct bx_logw *w);

struct bx_log_rec {
	int64_t ns;       /* 0: unknown (a raw line before any record) */
	bool err;         /* stderr */
	bool partial;     /* no newline at its end */
	const char *text; /* not NUL-terminated */
	size_t len;
};

/* Parse one line (without its '\n'); a line that is not a record comes
 * back as a full stdout line with ns = prev_ns. */
void bx_log_parse(const char *line, size_t len, int64_t prev_ns, struct bx_log_rec *r);
/* Format one record, with its newline, into buf (>= 48 + len bytes). */
size_t bx_log_format(char *buf, int64_t ns, const char *stream, bool partial, const char *text, size_t len);

/* The files of a log, oldest first (stdout.log.N ... stdout.log.1,
 * stdout.log), those that exist. */
char **bx_log_files(const char *path);

#endif
