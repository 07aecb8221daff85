/* boxlab logs: what the container wrote to stdout and stderr. */
#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Offset where the last n lines start. */
static off_t tail_offset(int fd, long n)
{
	struct stat st;
	char buf[8192], c;
	if (fstat(fd, &st) < 0)
		return 0;
	if (n == 0)
		return st.st_size;
	off_t end = st.st_size, pos;
	/* A final newline ends the last line; it does not begin another. */
	if (end > 0 && pread(fd, &c, 1, end - 1) == 1 && c == '\n')
		end--;
	long lines = 0;
	for (pos = end; pos > 0;) {
		size_t chunk = pos < (off_t)sizeof buf ? (size_t)pos : sizeof buf;
		pos -= chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;)
			if (buf[i] == '\n' && ++lines == n)
				return pos + i + 1;
	}
	return 0;
}

static int copy_from(int fd, off_t *pos)
{
	char buf[65536];
	ssize_t n;
	while ((n = pread(fd, buf, sizeof buf, *pos)) > 0) {
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			return -1;
		*pos += n;
	}
	fflush(stdout);
	return 0;
}

static int logs_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'}, {"tail", required_argument, NULL, 'n'}, {0},
	};
	bool follow = false;
	long tail = -1;
	int c;
	if (bx_cli_help(&bx_cmd_logs, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+fn:", opts, NULL)) != -1) {
		char *end;
		if (c == 'f') {
			follow = true;
		} else if (c == 'n') {
			if (!strcmp(optarg, "all"))
				continue;
			tail = strtol(optarg, &end, 10);
			if (*end || tail < 0)
				return bx_cli_usage_error(&bx_cmd_logs, "invalid --tail \"%s\" (a number >= 0, or all)",
							  optarg);
		} else {
			return bx_cli_usage_error(&bx_cmd_logs, "unknown flag '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return bx_cli_usage_error(&bx_cmd_logs, "name exactly one container");

	struct bx_state st;
	bx_err_t err = NULL;
	const char *name = argv[optind];
	if (bx_state_read(name, &st, &err) < 0)
		return bx_error_report(&err, 1);
	cleanup_free char *path = bx_state_path(name, "stdout.log");
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bx_state_free(&st);
		if (errno == ENOENT)
			return 0; /* nothing written yet */
		bx_make_error(&err, errno, "cannot read %s", path);
		return bx_error_report(&err, 1);
	}
	off_t pos = tail >= 0 ? tail_offset(fd, tail) : 0;
	copy_from(fd, &pos);
	while (follow) {
		enum bx_status s = bx_cli_live_status(&st);
		if (s != BX_RUNNING && s != BX_PAUSED && s != BX_CREATED)
			break;
		usleep(100000);
		copy_from(fd, &pos);
		bx_state_free(&st);
		if (bx_state_read(name, &st, &err) < 0) {
			bx_error_release(&err); /* removed (--rm): done */
			return 0;
		}
	}
	copy_from(fd, &pos);
	bx_state_free(&st);
	return 0;
}

const struct bx_cmd bx_cmd_logs = {
	.name = "logs",
	.usage = "[-f] [--tail N] NAME",
	.summary = "print what a container wrote to stdout and stderr",
	.options = "  -f, --follow   keep printing new output until the container stops\n"
		   "  -n, --tail N   only the last N lines (or all)\n",
	.exec = logs_exec,
};
