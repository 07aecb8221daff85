/* boxlab stats: live resource use of containers, like docker stats.
 *
 * Every figure comes from bx_sample() (core/sample.c), the same code the
 * dashboard draws from: the cgroup modules' counters and the init's
 * network bytes.  CPU % needs two samples: the CPU time the container
 * used between them over the time that passed, so 100 % is one CPU kept
 * busy and a --cpus 0.5 busy loop shows 50 %. */
#include "cli/cli.h"
#include "core/proc.h"
#include "core/sample.h"
#include "modules/cgroup.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct row {
	char *name;
	struct bx_stats now, prev;
	bool have_prev, ok;
};

static double cpu_percent(const struct row *r)
{
	if (!r->have_prev || r->now.sampled_us <= r->prev.sampled_us || r->now.cpu_ns < r->prev.cpu_ns)
		return 0;
	return (double)(r->now.cpu_ns - r->prev.cpu_ns) / 1000.0 / (double)(r->now.sampled_us - r->prev.sampled_us) *
	       100.0;
}

static double mem_percent(const struct bx_stats *s)
{
	return s->mem_limit ? (double)s->mem_bytes * 100.0 / (double)s->mem_limit : 0;
}

static json_t *row_json(const struct row *r)
{
	const struct bx_stats *s = &r->now;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "status", json_string(s->paused ? "paused" : "running"));
	json_object_set_new(o, "cpu_percent", json_real((double)(int64_t)(cpu_percent(r) * 100 + 0.5) / 100));
	json_object_set_new(o, "cpu_ns", json_integer((json_int_t)s->cpu_ns));
	json_object_set_new(o, "mem_usage_bytes", json_integer((json_int_t)s->mem_bytes));
	json_object_set_new(o, "mem_limit_bytes", json_integer((json_int_t)s->mem_limit));
	json_object_set_new(o, "mem_percent", json_real((double)(int64_t)(mem_percent(s) * 100 + 0.5) / 100));
	json_object_set_new(o, "pids", json_integer((json_int_t)s->pids));
	json_object_set_new(o, "pids_limit", json_integer((json_int_t)s->pids_limit));
	json_object_set_new(o, "blkio_read_bytes", json_integer((json_int_t)s->blk_read));
	json_object_set_new(o, "blkio_write_bytes", json_integer((json_int_t)s->blk_write));
	json_object_set_new(o, "net_rx_bytes", json_integer((json_int_t)s->net_rx));
	json_object_set_new(o, "net_tx_bytes", json_integer((json_int_t)s->net_tx));
	json_object_set_new(o, "net_rx_packets", json_integer((json_int_t)s->net_rx_packets));
	json_object_set_new(o, "net_tx_packets", json_integer((json_int_t)s->net_tx_packets));
	json_object_set_new(o, "oom_kills", json_integer((json_int_t)s->oom_kills));
	json_object_set_new(o, "cpu_throttled", json_integer((json_int_t)s->cpu_throttled));
	json_object_set_new(o, "pids_refused", json_integer((json_int_t)s->pids_refused));
	return o;
}

static void print_table(const struct row *rows, size_t n)
{
	printf("%-24s %8s   %-22s %7s   %-19s %-19s %s\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
	       "BLOCK I/O", "PIDS");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct bx_stats *s = &r->now;
		char mu[24], ml[24], nr[24], nt[24], br[24], bw[24], mem[64], net[64], blk[64], pids[48], cpu[24];
		if (!r->ok)
			continue;
		bx_cg_human(s->mem_bytes, true, mu, sizeof mu);
		bx_cg_human(s->mem_limit, true, ml, sizeof ml);
		bx_cg_human(s->net_rx, false, nr, sizeof nr);
		bx_cg_human(s->net_tx, false, nt, sizeof nt);
		bx_cg_human(s->blk_read, false, br, sizeof br);
		bx_cg_human(s->blk_write, false, bw, sizeof bw);
		snprintf(mem, sizeof mem, "%s / %s", mu, ml);
		snprintf(net, sizeof net, "%s / %s", nr, nt);
		snprintf(blk, sizeof blk, "%s / %s", br, bw);
		if (s->pids_limit)
			snprintf(pids, sizeof pids, "%" PRIu64 " / %" PRIu64, s->pids, s->pids_limit);
		else
			snprintf(pids, sizeof pids, "%" PRIu64, s->pids);
		snprintf(cpu, sizeof cpu, "%.2f%%", cpu_percent(r));
		printf("%-24s %8s   %-22s %6.2f%%   %-19s %-19s %s%s\n", r->name, cpu, mem, mem_percent(s), net, blk,
		       pids, s->paused ? "  (paused)" : "");
	}
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* Which containers to show this round: the named ones, or every one
 * running now.  Rows carry their previous sample across rounds. */
static void refresh_rows(struct row **rows, size_t *n, char **named)
{
	cleanup_strv char **names = named ? strv_dup(named) : bx_state_list();
	struct row *next = xzalloc((strv_len(names) + 1) * sizeof *next);
	size_t m = 0;
	for (size_t i = 0; names[i]; i++) {
		struct row *r = &next[m];
		r->name = xstrdup(names[i]);
		for (size_t k = 0; k < *n; k++)
			if (!strcmp((*rows)[k].name, names[i]) && (*rows)[k].ok) {
				r->prev = (*rows)[k].now;
				r->have_prev = true;
			}
		m++;
	}
	for (size_t k = 0; k < *n; k++)
		free((*rows)[k].name);
	free(*rows);
	*rows = next;
	*n = m;
}

static int stats_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-stream", no_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
		{"interval", required_argument, NULL, 'n'}, {0},
	};
	bool stream = true, json = false;
	long interval_ms = 1000;
	int c;
	if (bx_cli_help(&bx_cmd_stats, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		char *end;
		double secs;
		switch (c) {
		case 's': stream = false; break;
		case 'j': json = true; break;
		case 'n':
			secs = strtod(optarg, &end);
			if (end == optarg || *end || !(secs >= 0.1 && secs <= 3600))
				return bx_cli_usage_error(&bx_cmd_stats, "invalid --interval \"%s\" (seconds, 0.1 to 3600)",
							  optarg);
			interval_ms = (long)(secs * 1000 + 0.5);
			break;
		default:
			return bx_cli_usage_error(&bx_cmd_stats, "unknown flag or missing value '%s'", argv[optind - 1]);
		}
	}
	char **named = optind < argc ? argv + optind : NULL;
	struct row *rows = NULL;
	size_t n = 0;
	bool tty = isatty(1);

	/* A name that is not running is an error at once, not an empty row. */
	for (size_t i = 0; named && named[i]; i++) {
		struct bx_stats s;
		bx_err_t err = NULL;
		if (bx_sample(named[i], &s, &err) < 0)
			return bx_error_report(&err, 1);
	}
	bx_sample_keep_open();
	for (int round = 0;; round++) {
		refresh_rows(&rows, &n, named);
		size_t alive = 0;
		for (size_t i = 0; i < n; i++) {
			bx_err_t err = NULL;
			rows[i].ok = bx_sample(rows[i].name, &rows[i].now, &err) == 0;
			/* Listing every container: the stopped ones are not
			 * news.  A named one that stopped ends its row. */
			bx_error_release(&err);
			alive += rows[i].ok;
		}
		if (named && alive == 0 && round > 0)
			break;
		/* The first round only gives the CPU baseline. */
		if (round > 0) {
			if (json) {
				json_t *list = json_array();
				for (size_t i = 0; i < n; i++)
					if (rows[i].ok)
						json_array_append_new(list, row_json(&rows[i]));
				/* Percentages with 2 decimals print as such, not
				 * as 49.950000000000003. */
				size_t flags = JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER |
					       (stream ? JSON_COMPACT : JSON_INDENT(2));
				char *s = json_dumps(list, flags);
				puts(s);
				free(s);
				json_decref(list);
			} else {
				if (stream && tty)
					fputs("\033[2J\033[H", stdout);
				else if (round > 1)
					putchar('\n');
				print_table(rows, n);
			}
			fflush(stdout);
			if (!stream)
				break;
		}
		nap_ms(interval_ms);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].name);
	free(rows);
	return 0;
}

const struct bx_cmd bx_cmd_stats = {
	.name = "stats",
	.usage = "[--no-stream] [--json] [--interval SECONDS] [NAME...]",
	.summary = "live CPU, memory, pids, block and network I/O of running containers",
	.options = "      --no-stream        print one sample and exit (CPU % over one interval)\n"
		   "      --json             JSON: a list of objects (name, cpu_percent, mem_usage_bytes,\n"
		   "                         mem_limit_bytes, pids, pids_limit, blkio_read_bytes,\n"
		   "                         blkio_write_bytes, net_rx_bytes, net_tx_bytes,\n"
		   "                         net_rx_packets, net_tx_packets, ...); one list\n"
		   "                         a line when streaming\n"
		   "      --interval SECONDS time between samples (default 1, at least 0.1)\n",
	.exec = stats_exec,
};
