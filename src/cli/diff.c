/* boxlab diff: the files a container added (A), changed (C) and deleted
 * (D), as `docker diff` prints them, from its overlay upper layer
 * (modules/rootfs_diff.c).  Works on running and exited containers. */
#include "cli/cli.h"
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


static int diff_exec(int argc, char **argv)
{
	bool json = false;
	const char *name = NULL;
	if (bx_cli_help(&bx_cmd_diff, argc, argv))
		return 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-')
			return bx_cli_usage_error(&bx_cmd_diff, "unknown flag '%s'", argv[i]);
		else if (name)
			return bx_cli_usage_error(&bx_cmd_diff, "one container at a time, not also '%s'", argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return bx_cli_usage_error(&bx_cmd_diff, "no container named");

	bx_err_t err = NULL;
	struct bx_state st;
	if (bx_state_read(name, &st, &err) < 0)
		return bx_error_report(&err, 1);
	bx_state_free(&st);
	cleanup_free char *upper = bx_state_path(name, "upper");
	cleanup_free char *lowerfile = bx_state_path(name, "lowerdir");
	if (access(upper, F_OK) < 0 || access(lowerfile, F_OK) < 0) {
		fprintf(stderr, "boxlab: %s has no root file system of its own (it runs with --no-rootfs, on the "
			"host's): nothing to diff\n", name);
		return 1;
	}
	cleanup_free char *lower = bx_read_file(lowerfile, NULL, &err);
	if (!lower)
		return bx_error_report(&err, 1);
	cleanup_strv char **lowers = NULL;
	cleanup_free char *copy = xstrdup(lower);
	char *save = NULL;
	for (char *l = strtok_r(copy, ":", &save); l; l = strtok_r(NULL, ":", &save))
		strv_push(&lowers, l);
	if (!lowers)
		lowers = xzalloc(sizeof *lowers);

	struct bx_change *ch;
	size_t n;
	if (bx_rootfs_diff(upper, lowers, &ch, &n, &err) < 0)
		return bx_error_report(&err, 1);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		if (json) {
			json_t *o = json_object();
			char k[2] = {ch[i].kind, 0};
			json_object_set_new(o, "kind", json_string(k));
			json_object_set_new(o, "path", json_string(ch[i].path));
			json_array_append_new(list, o);
		} else {
			printf("%c %s\n", ch[i].kind, ch[i].path);
		}
	}
	if (json)
		bx_cli_print_json(list);
	else
		json_decref(list);
	bx_rootfs_diff_free(ch, n);
	return 0;
}

const struct bx_cmd bx_cmd_diff = {
	.name = "diff",
	.usage = "[--json] NAME",
	.summary = "files a container added (A), changed (C) or deleted (D) in its root file system",
	.options = "      --json     print a JSON list of {kind, path}\n",
	.exec = diff_exec,
};
