/* boxlab logs: what the container wrote to stdout and stderr, read back
 * from stdout.log and its rotated files (core/logfile.h has the format).
 * stdout records go to our stdout, stderr records to our stderr, as
 * with docker logs.
 *
 * Fast paths: --tail walks backwards from the end, reading only the
 * lines it prints; --since skips whole rotated files by the first stamp
 * of the next one and compares stamps as text (fixed width, UTC, so text
 * order is time order) without parsing them. */
#include "cli/cli.h"
#include "core/logfile.h"
#include "core/times.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAMP_LEN 30

struct filter {
	char since[40], until[40]; /* RFC 3339 stamps; "" when not given */
	bool timestamps;
	char last[40]; /* stamp of the last record, for raw lines */
	bool last_err;  /* the stream of the last line printed */
};

/* The stamp a line carries, or "" for a raw line. */
static void line_stamp(const char *line, size_t len, char out[40])
{
	struct bx_log_rec r;
	bx_log_parse(line, len, 1, &r);
	if (r.ns == 1) {
		out[0] = '\0';
		return;
	}
	memcpy(out, line, STAMP_LEN);
	out[STAMP_LEN] = '\0';
}

/* Print one line of the file; false once past --until. */
static bool print_line(struct filter *f, const char *line, size_t len)
{
	struct bx_log_rec r;
	char stamp[40];
	line_stamp(line, len, stamp);
	if (stamp[0])
		memcpy(f->last, stamp, sizeof stamp);
	const char *ts = stamp[0] ? stamp : f->last;
	if (f->since[0] && ts[0] && strcmp(ts, f->since) < 0)
		return true;
	if (f->until[0] && ts[0] && strcmp(ts, f->until) > 0)
		return false;
	bx_log_parse(line, len, 0, &r);
	FILE *out = r.err ? stderr : stdout;
	/* Keep the order of the two streams on a shared terminal. */
	if (r.err != f->last_err)
		fflush(r.err ? stdout : stderr);
	f->last_err = r.err;
	if (f->timestamps)
		fprintf(out, "%s ", ts[0] ? ts : "-");
	fwrite(r.text, 1, r.len, out);
	if (!r.partial)
		fputc('\n', out);
	return true;
}

/* A log file being read forwards, with the piece of a line not yet
 * ended carried to the next read. */
struct src {
	int fd;
	ino_t ino;
	off_t pos;
	char *carry;
	size_t ncarry;
};

static int src_open(struct src *s, const char *path, off_t pos)
{
	struct stat st;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st) < 0)
		return -1;
	s->ino = st.st_ino;
	s->pos = pos;
	s->ncarry = 0;
	return 0;
}

static void src_close(struct src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->carry);
	s->carry = NULL;
	s->ncarry = 0;
}

/* Print every complete line that is there now; false once past --until. */
static bool src_pump(struct src *s, struct filter *f)
{
	char buf[65536];
	ssize_t n;
	while ((n = pread(s->fd, buf, sizeof buf, s->pos)) > 0) {
		s->pos += n;
		s->carry = xrealloc(s->carry, s->ncarry + n + 1);
		memcpy(s->carry + s->ncarry, buf, n);
		s->ncarry += n;
		char *p = s->carry, *end = s->carry + s->ncarry, *nl;
		while ((nl = memchr(p, '\n', end - p))) {
			if (!print_line(f, p, nl - p))
				return false;
			p = nl + 1;
		}
		memmove(s->carry, p, end - p);
		s->ncarry = end - p;
	}
	return true;
}

/* Where --tail N (and --since) start: file index and offset, walking
 * backwards over whole records. */
static void tail_start(char **files, long tail, const struct filter *f, size_t *fi, off_t *off)
{
	long lines = 0;
	*fi = 0;
	*off = 0;
	for (size_t i = strv_len(files); i-- > 0;) {
		cleanup_close int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		struct stat st;
		char buf[8192];
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		off_t end = st.st_size, pos = end;
		/* The final newline ends the last record. */
		while (pos > 0) {
			size_t chunk = pos < (off_t)sizeof buf ? (size_t)pos : sizeof buf;
			pos -= chunk;
			if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
				break;
			for (size_t k = chunk; k-- > 0;) {
				off_t at = pos + (off_t)k; /* a newline; the record after it starts at at+1 */
				if (buf[k] != '\n' || at + 1 >= end)
					continue;
				char head[48];
				ssize_t h = pread(fd, head, sizeof head, at + 1);
				struct bx_log_rec r;
				char stamp[40] = "";
				bx_log_parse(head, h > 0 ? (size_t)h : 0, 1, &r);
				if (r.ns != 1) {
					memcpy(stamp, head, STAMP_LEN);
					stamp[STAMP_LEN] = '\0';
				}
				if (f->since[0] && stamp[0] && strcmp(stamp, f->since) < 0) {
					*fi = i;
					*off = at + 1;
					return;
				}
				bool in = !(f->until[0] && stamp[0] && strcmp(stamp, f->until) > 0);
				/* A P record continues into the next; only a
				 * line's last record ends it. */
				if (in && !r.partial && tail >= 0 && ++lines > tail) {
					/* this record is the tail+1-th line from the end:
					 * start after it */
					off_t nl = at + 1;
					char c;
					while (pread(fd, &c, 1, nl) == 1 && c != '\n')
						nl++;
					*fi = i;
					*off = nl + 1;
					return;
				}
			}
		}
		/* The first record of the file (it has no newline before it). */
		char head[48];
		ssize_t h = pread(fd, head, sizeof head, 0);
		struct bx_log_rec r;
		bx_log_parse(head, h > 0 ? (size_t)h : 0, 1, &r);
		bool stamped = r.ns != 1 && h >= STAMP_LEN;
		if (end > 0 && f->since[0] && stamped && strncmp(head, f->since, STAMP_LEN) < 0) {
			char c;
			off_t nl = 0;
			while (pread(fd, &c, 1, nl) == 1 && c != '\n')
				nl++;
			*fi = i;
			*off = nl + 1;
			return;
		}
		bool in = !(f->until[0] && stamped && strncmp(head, f->until, STAMP_LEN) > 0);
		if (end > 0 && in && !r.partial && tail >= 0 && ++lines > tail) {
			char c;
			off_t nl = 0;
			while (pread(fd, &c, 1, nl) == 1 && c != '\n')
				nl++;
			*fi = i;
			*off = nl + 1;
			return;
		}
	}
}

/* The first index in files whose successor does not start before
 * --since: the older ones hold nothing to print. */
static size_t since_start(char **files, const struct filter *f)
{
	size_t n = strv_len(files), i = 0;
	for (; f->since[0] && i + 1 < n; i++) {
		cleanup_close int fd = open(files[i + 1], O_RDONLY | O_CLOEXEC);
		char head[STAMP_LEN];
		if (fd < 0 || read(fd, head, STAMP_LEN) != STAMP_LEN || strncmp(head, f->since, STAMP_LEN) > 0)
			break;
	}
	return i;
}

static bool still_running(const char *name)
{
	struct bx_state st;
	bx_err_t err = NULL;
	if (bx_state_read(name, &st, &err) < 0) {
		bx_error_release(&err); /* removed (--rm): done */
		return false;
	}
	enum bx_status s = bx_cli_live_status(&st);
	bx_state_free(&st);
	return s == BX_RUNNING || s == BX_PAUSED || s == BX_CREATED || s == BX_RESTARTING;
}

/* -f: the file we read was rotated away: finish it, then read the ones
 * that came after it, oldest first. */
static bool follow_rotation(struct src *s, const char *path, struct filter *f)
{
	struct stat st;
	if (stat(path, &st) < 0 || st.st_ino == s->ino)
		return true;
	if (!src_pump(s, f))
		return false;
	cleanup_strv char **files = bx_log_files(path);
	size_t n = strv_len(files), next = 0;
	for (size_t i = 0; i < n; i++)
		if (stat(files[i], &st) == 0 && st.st_ino == s->ino)
			next = i + 1;
	/* Not found: it was dropped as the oldest; what follows is all
	 * there is. */
	for (size_t i = next; i < n; i++) {
		src_close(s);
		if (src_open(s, files[i], 0) < 0)
			continue;
		if (i + 1 < n && !src_pump(s, f))
			return false;
	}
	return true;
}

static int time_opt(const char *flag, const char *v, char out[40])
{
	bx_err_t err = NULL;
	int64_t ns;
	if (bx_parse_time_arg(v, bx_realtime_ns(), &ns, &err) < 0) {
		int code = bx_cli_usage_error(&bx_cmd_logs, "--%s: %s", flag, err->msg);
		bx_error_release(&err);
		return code;
	}
	bx_format_rfc3339nano(ns, out, 40);
	return 0;
}

static int logs_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},   {"tail", required_argument, NULL, 'n'},
		{"since", required_argument, NULL, 'S'}, {"until", required_argument, NULL, 'U'},
		{"timestamps", no_argument, NULL, 't'}, {0},
	};
	struct filter f = {0};
	bool follow = false;
	long tail = -1;
	int c, code;
	if (bx_cli_help(&bx_cmd_logs, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+fn:t", opts, NULL)) != -1) {
		char *end;
		if (c == 'f') {
			follow = true;
		} else if (c == 't') {
			f.timestamps = true;
		} else if (c == 'S' || c == 'U') {
			if ((code = time_opt(c == 'S' ? "since" : "until", optarg, c == 'S' ? f.since : f.until)))
				return code;
		} else if (c == 'n') {
			if (!strcmp(optarg, "all"))
				continue;
			tail = strtol(optarg, &end, 10);
			if (*end || tail < 0 || end == optarg)
				return bx_cli_usage_error(&bx_cmd_logs, "invalid --tail \"%s\" (a number >= 0, or all)",
							  optarg);
		} else {
			return bx_cli_usage_error(&bx_cmd_logs, "unknown flag or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return bx_cli_usage_error(&bx_cmd_logs, "name exactly one container");

	struct bx_state st;
	bx_err_t err = NULL;
	const char *name = argv[optind];
	if (bx_state_read(name, &st, &err) < 0)
		return bx_error_report(&err, 1);
	bx_state_free(&st);
	cleanup_free char *path = bx_state_path(name, "stdout.log");
	cleanup_strv char **files = bx_log_files(path);
	size_t n = strv_len(files), fi = 0;
	off_t off = 0;
	if (tail >= 0)
		tail_start(files, tail, &f, &fi, &off);
	else if (f.since[0])
		fi = since_start(files, &f);

	struct src s = {.fd = -1};
	bool more = true;
	for (size_t i = fi; more && i < n; i++) {
		src_close(&s);
		if (src_open(&s, files[i], i == fi ? off : 0) < 0) {
			if (errno == ENOENT)
				continue; /* rotated away meanwhile */
			bx_make_error(&err, errno, "cannot read %s", files[i]);
			src_close(&s);
			return bx_error_report(&err, 1);
		}
		more = src_pump(&s, &f);
	}
	fflush(stdout);
	while (follow && more) {
		if (s.fd < 0 && src_open(&s, path, 0) < 0) {
			src_close(&s);
			if (!still_running(name))
				break;
			usleep(100000);
			continue;
		}
		bool running = still_running(name);
		more = src_pump(&s, &f) && follow_rotation(&s, path, &f) && src_pump(&s, &f);
		fflush(stdout);
		fflush(stderr);
		if (!running)
			break;
		if (f.until[0]) {
			char now[40];
			bx_format_rfc3339nano(bx_realtime_ns(), now, sizeof now);
			if (strcmp(now, f.until) > 0)
				break;
		}
		usleep(100000);
	}
	src_close(&s);
	return 0;
}

const struct bx_cmd bx_cmd_logs = {
	.name = "logs",
	.usage = "[-f] [-t] [--tail N] [--since TIME] [--until TIME] NAME",
	.summary = "print what a container wrote to stdout and stderr",
	.options = "  -f, --follow        keep printing new output until the container stops (across rotation)\n"
		   "  -n, --tail N        only the last N lines (or all)\n"
		   "      --since TIME    only lines from TIME on: RFC 3339 (2024-01-02T15:04:05Z), a date,\n"
		   "                      Unix seconds, or a duration before now (10m, 1h30m)\n"
		   "      --until TIME    only lines up to TIME (same forms)\n"
		   "  -t, --timestamps    put the time each line was written in front of it (RFC 3339, ns)\n",
	.exec = logs_exec,
};
