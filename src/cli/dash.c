/* boxlab dash: the dashboard, a terminal UI in the manner of htop and
 * ctop: every container with its live figures and a minute of graphs,
 * the lifecycle timeline of one, module switches to start a new one, the
 * actions of stop, kill, pause, rm, exec and logs, the escape lab (an
 * attack with isolation off and on, side by side) and the demos menu.
 * The UI is in src/ui/ (the only place that includes curses); this file
 * parses the flags and hands over. */
#include "cli/cli.h"
#include "ui/ui.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>


static int dash_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interval", required_argument, NULL, 'n'},
		{"bench-frames", required_argument, NULL, 'b'},
		{0},
	};
	struct bxui_options o = {.interval_ms = 1000, .image = "busybox", .command = "sleep 3600"};
	bx_err_t err = NULL;
	int c;
	if (bx_cli_help(&bx_cmd_dash, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:", opts, NULL)) != -1) {
		char *end;
		double secs;
		long n;
		switch (c) {
		case 'n':
			secs = strtod(optarg, &end);
			if (end == optarg || *end || !(secs >= 0.1 && secs <= 3600))
				return bx_cli_usage_error(&bx_cmd_dash, "invalid --interval \"%s\" (seconds, 0.1 to 3600)",
							  optarg);
			o.interval_ms = (long)(secs * 1000 + 0.5);
			break;
		case 'b':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > 1000000)
				return bx_cli_usage_error(&bx_cmd_dash, "invalid --bench-frames \"%s\" (1 to 1000000)",
							  optarg);
			o.bench_frames = n;
			break;
		default:
			return bx_cli_usage_error(&bx_cmd_dash, "unknown flag or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bx_cli_usage_error(&bx_cmd_dash, "unexpected argument '%s'", argv[optind]);
	if (bxui_dash_run(&o, &err) < 0)
		return bx_error_report(&err, 1);
	return 0;
}

const struct bx_cmd bx_cmd_dash = {
	.name = "dash",
	.usage = "[--interval SECONDS] [--bench-frames N]",
	.summary = "dashboard: live containers, timelines, module switches, escape lab, demos (keys: F1)",
	.options = "  -n, --interval SECONDS  time between samples (default 1, 0.1 to 3600)\n"
		   "      --bench-frames N    quit after N frames and print how long drawing and\n"
		   "                          sampling took (for benchmarks)\n",
	.exec = dash_exec,
};
