/* boxlab ps: the containers, from their state dirs. */
#include "cli/cli.h"
#include "core/proc.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

/* Modules as the difference from the defaults: "default", "none", or
 * "-net,-user" / "+x": short enough for a table. */
char *bx_cli_modules_summary(char *const *on)
{
	char **diff = NULL;
	size_t n_on = strv_len(on);
	if (n_on == 0)
		return xstrdup("none");
	for (size_t i = 0; bx_modules[i]; i++) {
		bool is_on = false;
		for (size_t k = 0; on[k]; k++)
			is_on |= !strcmp(on[k], bx_modules[i]->name);
		if (is_on == bx_modules[i]->default_on)
			continue;
		cleanup_free char *d = xasprintf("%c%s", is_on ? '+' : '-', bx_modules[i]->name);
		strv_push(&diff, d);
	}
	char *s = diff ? strv_join(diff, ",") : xstrdup("default");
	strv_free(diff);
	return s;
}

static void status_text(const struct bx_state *st, char *buf, size_t len)
{
	char ago[64];
	enum bx_status s = bx_cli_live_status(st);
	int64_t now = bx_realtime_us();
	switch (s) {
	case BX_RUNNING:
	case BX_PAUSED:
		bx_format_ago(now - st->started_us, ago, sizeof ago);
		snprintf(buf, len, "Up %s%s%s%s%s", ago, s == BX_PAUSED ? " (Paused)" : "", st->health[0] ? " (" : "",
			 st->health, st->health[0] ? ")" : "");
		break;
	case BX_RESTARTING:
		bx_format_ago(now - st->finished_us, ago, sizeof ago);
		snprintf(buf, len, "Restarting (%d) %s ago", st->exit_code, ago);
		break;
	case BX_EXITED:
		bx_format_ago(now - st->finished_us, ago, sizeof ago);
		snprintf(buf, len, "Exited (%d) %s ago%s", st->exit_code, ago, st->oom_killed ? " (OOM killed)" : "");
		break;
	default:
		snprintf(buf, len, "%s", s == BX_DEAD ? "Dead" : "Created");
	}
}

static int ps_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'}, {"quiet", no_argument, NULL, 'q'}, {"json", no_argument, NULL, 'j'},
		{0},
	};
	bool all = false, quiet = false, json = false;
	int c;
	if (bx_cli_help(&bx_cmd_ps, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+aq", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'q')
			quiet = true;
		else if (c == 'j')
			json = true;
		else
			return bx_cli_usage_error(&bx_cmd_ps, "unknown flag '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return bx_cli_usage_error(&bx_cmd_ps, "unexpected argument '%s'", argv[optind]);

	cleanup_strv char **names = bx_state_list();
	json_t *list = json_array();
	if (!quiet && !json)
		printf("%-24s %-10s %-20s %-26s %-8s %-8s %s\n", "NAME", "IMAGE", "COMMAND", "STATUS", "PID", "RESTARTS",
		       "MODULES");
	for (size_t i = 0; names[i]; i++) {
		struct bx_state st;
		bx_err_t err = NULL;
		if (bx_state_read(names[i], &st, &err) < 0) {
			bx_error_release(&err);
			continue; /* being created or removed right now */
		}
		enum bx_status s = bx_cli_live_status(&st);
		if (all || s == BX_RUNNING || s == BX_PAUSED || s == BX_RESTARTING) {
			if (json) {
				json_t *o = bx_state_to_json(&st);
				json_object_set_new(o, "status", json_string(bx_status_name(s)));
				json_array_append_new(list, o);
			} else if (quiet) {
				printf("%s\n", st.name);
			} else {
				char status[160];
				cleanup_free char *cmd = strv_join(st.command, " ");
				cleanup_free char *mods = bx_cli_modules_summary(st.modules);
				status_text(&st, status, sizeof status);
				if (strlen(cmd) > 20)
					strcpy(cmd + 17, "...");
				printf("%-24s %-10s %-20s %-26s %-8d %-8u %s\n", st.name, st.image, cmd, status,
				       s == BX_RUNNING || s == BX_PAUSED ? st.pid : 0, st.restart_count, mods);
			}
		}
		bx_state_free(&st);
	}
	if (json)
		bx_cli_print_json(list);
	else
		json_decref(list);
	return 0;
}

const struct bx_cmd bx_cmd_ps = {
	.name = "ps",
	.usage = "[-a] [-q] [--json]",
	.summary = "list containers (running ones; -a for all)",
	.options = "  -a, --all      show every container, not only running ones\n"
		   "  -q, --quiet    print names only\n"
		   "      --json     print a JSON list of objects (name, image, status, pid, modules, created, ...)\n",
	.exec = ps_exec,
};
