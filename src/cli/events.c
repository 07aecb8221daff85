/* boxlab events and boxlab timeline: how a container was made, step by
 * step, with the time each step took.  events prints the table,
 * timeline draws it as bars so the expensive steps stand out. */
#include "cli/cli.h"
#include "core/timeline.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int load(const struct bx_cmd *cmd, int argc, char **argv, bool *json, struct bx_event **ev, size_t *n)
{
	bx_err_t err = NULL;
	struct bx_state st;
	int code = bx_cli_json_only(cmd, NULL, argc, argv, json);
	if (code)
		return code;
	if (optind + 1 != argc)
		return bx_cli_usage_error(cmd, "name exactly one container");
	if (bx_state_read(argv[optind], &st, &err) < 0 || bx_tl_read(argv[optind], ev, n, &err) < 0)
		return bx_error_report(&err, 1);
	bx_state_free(&st);
	return -1;
}

static void print_json(struct bx_event *ev, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "time_us", json_integer((json_int_t)ev[i].time_us));
		json_object_set_new(o, "duration_us", json_integer((json_int_t)ev[i].dur_us));
		json_object_set_new(o, "module", json_string(ev[i].module));
		json_object_set_new(o, "phase", json_string(ev[i].phase));
		json_object_set_new(o, "message", json_string(ev[i].message));
		json_array_append_new(a, o);
	}
	bx_cli_print_json(a);
}

static int events_exec(int argc, char **argv)
{
	struct bx_event *ev = NULL;
	size_t n = 0;
	bool json = false;
	if (bx_cli_help(&bx_cmd_events, argc, argv))
		return 0;
	int code = load(&bx_cmd_events, argc, argv, &json, &ev, &n);
	if (code >= 0)
		return code;
	if (json) {
		print_json(ev, n);
	} else {
		printf("%12s %10s  %-10s %-14s %s\n", "TIME(ms)", "DUR(us)", "MODULE", "PHASE", "MESSAGE");
		for (size_t i = 0; i < n; i++)
			printf("%12.3f %10llu  %-10s %-14s %s\n", ev[i].time_us / 1000.0, (unsigned long long)ev[i].dur_us,
			       ev[i].module, ev[i].phase, ev[i].message);
	}
	free(ev);
	return 0;
}

static int timeline_exec(int argc, char **argv)
{
	struct bx_event *ev = NULL;
	size_t n = 0;
	bool json = false;
	if (bx_cli_help(&bx_cmd_timeline, argc, argv))
		return 0;
	int code = load(&bx_cmd_timeline, argc, argv, &json, &ev, &n);
	if (code >= 0)
		return code;
	if (json) {
		print_json(ev, n);
		free(ev);
		return 0;
	}
	/* The setup: everything up to the command running. */
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ev[i].phase, "running")) {
			end = ev[i].time_us + ev[i].dur_us;
			break;
		}
		if (ev[i].time_us + ev[i].dur_us > end)
			end = ev[i].time_us + ev[i].dur_us;
	}
	struct winsize ws;
	int cols = (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60) ? ws.ws_col : 80;
	int width = cols - 48;
	printf("setup of %s: %.3f ms (each # is %.1f us)\n", argv[argc - 1], end / 1000.0,
	       end ? (double)end / width : 0.0);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ev[i].phase, "running"))
			break;
		char bar[512];
		int from = end ? (int)((double)ev[i].time_us * width / end) : 0;
		int len = end ? (int)((double)ev[i].dur_us * width / end + 0.5) : 0;
		if (from > width)
			from = width;
		if (len < 1)
			len = 1;
		if (from + len > width)
			len = width - from > 0 ? width - from : 1;
		memset(bar, ' ', from);
		memset(bar + from, ev[i].dur_us ? '#' : '|', len);
		bar[from + len] = '\0';
		printf("%-10.10s %-12.12s %9.3fms %9lluus %s\n", ev[i].module, ev[i].phase, ev[i].time_us / 1000.0,
		       (unsigned long long)ev[i].dur_us, bar);
	}
	free(ev);
	return 0;
}

const struct bx_cmd bx_cmd_events = {
	.name = "events",
	.usage = "[--json] NAME",
	.summary = "list a container's timeline: every setup step and runtime event",
	.options = "      --json     a JSON list of {time_us, duration_us, module, phase, message}\n",
	.exec = events_exec,
};

const struct bx_cmd bx_cmd_timeline = {
	.name = "timeline",
	.usage = "[--json] NAME",
	.summary = "draw a container's setup as bars, one per step, with durations",
	.options = "      --json     the same JSON as 'boxlab events --json'\n",
	.exec = timeline_exec,
};
