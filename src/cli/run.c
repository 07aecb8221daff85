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

static int supervise(struct bx_spec *spec, const void *arg, int notify_fd, bx_err_t *err)
{
	(void)arg;
	return bx_lifecycle_run(spec, notify_fd, err);
}

static int run_detached(struct bx_spec *spec)
{
	char *name;
	int code = bx_cli_supervise_detached(spec, "setup", supervise, NULL, &name);
	if (code == 0)
		printf("%s\n", name); /* a generated one may have been replaced */
	free(name);
	return code;
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
