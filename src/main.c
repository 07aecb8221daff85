/* boxlab: a teaching container runtime.  This file is the command table
 * and the dispatch; every command lives in src/cli/. */
#include "cli/cli.h"
#include "core/proc.h"
#include "oci/oci.h"

#include <stdio.h>
#include <string.h>

#ifndef BX_VERSION
#define BX_VERSION "0.1.0"
#endif

/* One line a command, in the order --help lists them; each is declared
 * in cli/cli.h and defined in src/cli/. */
const struct bx_cmd *const bx_cmds[] = {
	&bx_cmd_run,
	&bx_cmd_ps,
	&bx_cmd_inspect,
	&bx_cmd_logs,
	&bx_cmd_exec,
	&bx_cmd_stop,
	&bx_cmd_kill,
	&bx_cmd_rm,
	&bx_cmd_events,
	&bx_cmd_timeline,
	&bx_cmd_check,
	&bx_cmd_gc,
	&bx_cmd_stats,
	&bx_cmd_pause,
	&bx_cmd_resume,
	&bx_cmd_seccomp,
	&bx_cmd_checkpoint,
	&bx_cmd_restore,
	&bx_cmd_network,
	&bx_cmd_diff,
	&bx_cmd_image,
	&bx_cmd_volume,
	&bx_cmd_dash,
	&bx_cmd_attack,
	&bx_cmd_lesson,
	NULL,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: boxlab COMMAND [OPTIONS] [ARG...]\n\n"
		     "A teaching container runtime: every isolation feature is a module you\n"
		     "can switch off (--no-MODULE) to see what it buys.\n\nCommands:\n");
	for (size_t i = 0; bx_cmds[i]; i++)
		fprintf(out, "  %-10s %s\n", bx_cmds[i]->name, bx_cmds[i]->summary);
	bx_oci_help(out);
	fprintf(out, "\nRun 'boxlab COMMAND --help' for a command's options, 'man boxlab' for all of it.\n"
		     "Try: sudo boxlab run -it --rm busybox\n");
}

int main(int argc, char **argv)
{
	bx_proc_title_init(argc, argv);
	/* The OCI runtime interface (src/oci/commands.c says how it is told
	 * apart from the native commands). */
	if (bx_oci_wants(argc, argv))
		return bx_oci_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("boxlab %s\n", BX_VERSION);
		return 0;
	}
	for (size_t i = 0; bx_cmds[i]; i++)
		if (!strcmp(argv[1], bx_cmds[i]->name) || (bx_cmds[i]->alias && !strcmp(argv[1], bx_cmds[i]->alias))) {
			bx_gc_auto(bx_cmds[i]->name);
			return bx_cmds[i]->exec(argc - 1, argv + 1);
		}
	fprintf(stderr, "boxlab: unknown command \"%s\" (see 'boxlab --help' for the commands)\n", argv[1]);
	return 2;
}
