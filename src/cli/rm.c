/* boxlab rm: remove containers and everything they made. */
#include "cli/cli.h"

#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <string.h>

static int rm_exec(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	int c, code = 0;
	if (bx_cli_help(&bx_cmd_rm, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return bx_cli_usage_error(&bx_cmd_rm, "unknown flag '%s'", argv[optind - 1]);
		force = true;
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_rm, "no container named");
	for (int i = optind; i < argc; i++) {
		struct bx_state st;
		bx_err_t err = NULL;
		unsigned mask = 1u << BX_EXITED | 1u << BX_DEAD | 1u << BX_CREATED;
		if (force)
			mask |= 1u << BX_RUNNING | 1u << BX_PAUSED | 1u << BX_RESTARTING;
		if (bx_cli_load(argv[i], &st, mask, "remove", &err) < 0) {
			/* rm -f of what is not there is done, as with rm -f of
			 * a file (and docker rm -f since Docker 23). */
			cleanup_free char *dir = bx_state_path(argv[i], NULL);
			bx_err_t bad = NULL;
			bool valid = bx_name_check(argv[i], &bad) == 0;
			bx_error_release(&bad);
			if (force && valid && access(dir, F_OK) < 0 && errno == ENOENT) {
				bx_error_release(&err);
				continue;
			}
			/* No readable state.json: halfway through another
			 * rm -f, or half made (a killed boxlab).  -f removes
			 * it all the same (bx_cli_cleanup waits for the other). */
			if (force && valid) {
				bx_error_release(&err);
				if (bx_cli_cleanup(argv[i], &err) < 0)
					code = bx_error_report(&err, 1);
				continue;
			}
			if (!force && err && strstr(err->msg, "is running"))
				bx_error_hint(&err, "stop it first, or use 'boxlab rm -f'");
			code = bx_error_report(&err, 1);
			continue;
		}
		bx_state_free(&st);
		if (bx_cli_cleanup(argv[i], &err) < 0)
			code = bx_error_report(&err, 1);
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

const struct bx_cmd bx_cmd_rm = {
	.name = "rm",
	.usage = "[-f] NAME...",
	.summary = "remove containers (-f: also running ones, killing them)",
	.options = "  -f, --force    kill a running container, then remove it\n",
	.exec = rm_exec,
};
