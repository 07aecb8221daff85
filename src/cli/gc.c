/* boxlab gc: clean up after containers whose boxlab was killed.
 *
 * A container whose supervisor is gone (kill -9 of boxlab, a crash, a
 * reboot of /run) cannot tidy up after itself: gc kills what is left of
 * it, runs every module's teardown and removes its state dir.  Exited
 * containers are kept: they are not garbage until 'boxlab rm'. */
#include "cli/cli.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A state dir without state.json is a container being created, unless
 * it has been so for longer than any setup takes. */
static bool stale_half_made(const char *name)
{
	struct stat st;
	cleanup_free char *dir = bx_state_path(name, NULL);
	if (stat(dir, &st) < 0)
		return false;
	return bx_realtime_us() / 1000000 - st.st_mtime > 30;
}

static int gc_exec(int argc, char **argv)
{
	int code = 0, removed = 0;
	if (bx_cli_help(&bx_cmd_gc, argc, argv))
		return 0;
	if (argc > 1)
		return bx_cli_usage_error(&bx_cmd_gc, "unexpected argument '%s'", argv[1]);
	cleanup_strv char **names = bx_state_list();
	for (size_t i = 0; names[i]; i++) {
		struct bx_state st;
		bx_err_t err = NULL;
		bool garbage;
		if (bx_state_read(names[i], &st, &err) < 0) {
			bx_error_release(&err);
			garbage = stale_half_made(names[i]);
		} else {
			garbage = bx_cli_live_status(&st) == BX_DEAD;
			bx_state_free(&st);
		}
		if (!garbage)
			continue;
		if (bx_cli_cleanup(names[i], &err) < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		printf("removed %s\n", names[i]);
		removed++;
	}
	printf("gc: %d container%s cleaned up\n", removed, removed == 1 ? "" : "s");
	return code;
}

const struct bx_cmd bx_cmd_gc = {
	.name = "gc",
	.usage = "",
	.summary = "clean up containers whose boxlab process died (mounts, processes, state)",
	.options = NULL,
	.exec = gc_exec,
};
