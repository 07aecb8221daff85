/* boxlab run: create a container from an image and run a command in it,
 * in the foreground (the exit code is the command's) or detached (-d: a
 * supervisor keeps watch and records how it ends). */
#include "cli/cli.h"
#include "core/lifecycle.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int run_detached(struct bx_spec *spec)
{
	int p[2];
	bx_err_t err = NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		bx_make_error(&err, errno, "cannot create a pipe");
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		bx_make_error(&err, errno, "cannot fork the supervisor");
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	if (pid == 0) {
		/* The supervisor: its own session, no terminal, and none of
		 * the caller's descriptors (a test harness waits for them to
		 * close). */
		close(p[0]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
		if (p[1] != 3) {
			dup3(p[1], 3, O_CLOEXEC);
			close(p[1]);
		}
		syscall(SYS_close_range, 4, ~0U, 0);
		int code = bx_lifecycle_run(spec, 3, &err);
		bx_error_release(&err);
		_exit(code < 0 ? BX_EXIT_RUNTIME : 0);
	}
	close(p[1]);
	char buf[2048];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += r;
	}
	close(p[0]);
	buf[n] = '\0';
	if (!strncmp(buf, "ok ", 3)) {
		fputs(buf + 3, stdout);
		return 0;
	}
	/* "<exit code> <message>" from a setup that failed */
	char *msg;
	long code = strtol(buf, &msg, 10);
	if (msg == buf || *msg != ' ') {
		fprintf(stderr, "boxlab: the supervisor of %s died during setup\n", spec->name);
		return BX_EXIT_RUNTIME;
	}
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "boxlab: %s\n", msg + 1);
	return (int)code;
}

static int run_exec(int argc, char **argv)
{
	struct bx_spec spec;
	bx_err_t err = NULL;
	int code;

	if (bx_cli_help(&bx_cmd_run, argc, argv))
		return 0;
	bx_spec_init(&spec);
	if (bx_spec_parse_args(&spec, argc - 1, argv + 1, &err) < 0 || bx_spec_finalize(&spec, &err) < 0) {
		bx_spec_free(&spec);
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	bx_module_off_warnings(&spec, NULL);
	if (spec.detach) {
		code = run_detached(&spec);
	} else {
		code = bx_lifecycle_run(&spec, -1, &err);
		if (code < 0)
			code = bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	bx_spec_free(&spec);
	return code;
}

const struct bx_cmd bx_cmd_run = {
	.name = "run",
	.usage = "[OPTIONS] IMAGE [COMMAND [ARG...]]",
	.summary = "create a container from IMAGE and run COMMAND in it",
	.options = NULL, /* printed from the option table, see bx_cli_help */
	.exec = run_exec,
};
