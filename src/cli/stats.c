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
#include "util/json.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <inttypes.h>
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

static void put_u64(uint64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof buf - p), stdout);
}

static uint64_t hundredths(double percent)
{
	return percent > 0 ? (uint64_t)(percent * 100 + 0.5) : 0;
}

/* A percentage in hundredths with two decimals, as 12.34. */
static void put_percent(uint64_t hundredths)
{
	put_u64(hundredths / 100);
	putchar_unlocked('.');
	putchar_unlocked((char)('0' + hundredths / 10 % 10));
	putchar_unlocked((char)('0' + hundredths % 10));
}

/* Printed field by field: building a jansson tree of 50 rows and
 * dumping it was half of what a streaming sample cost in user time, and
 * printf() per field most of what was left. */
static void print_json(const struct row *rows, size_t n, bool indent)
{
	const char *row_sep = indent ? "\n  " : "", *field_sep = indent ? ",\n    " : ",";
	const char *colon = indent ? "\": " : "\":";
	bool first = true;
	putchar_unlocked('[');
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct bx_stats *s = &r->now;
		if (!r->ok)
			continue;
		const struct {
			const char *key;
			uint64_t v; /* hundredths for a percentage */
			bool is_percent;
		} fields[] = {
			{"cpu_percent", hundredths(cpu_percent(r)), true},
			{"cpu_ns", s->cpu_ns, false},
			{"mem_usage_bytes", s->mem_bytes, false},
			{"mem_limit_bytes", s->mem_limit, false},
			{"mem_percent", hundredths(mem_percent(s)), true},
			{"pids", s->pids, false},
			{"pids_limit", s->pids_limit, false},
			{"blkio_read_bytes", s->blk_read, false},
			{"blkio_write_bytes", s->blk_write, false},
			{"net_rx_bytes", s->net_rx, false},
			{"net_tx_bytes", s->net_tx, false},
			{"net_rx_packets", s->net_rx_packets, false},
			{"net_tx_packets", s->net_tx_packets, false},
			{"oom_kills", s->oom_kills, false},
			{"cpu_throttled", s->cpu_throttled, false},
			{"pids_refused", s->pids_refused, false},
		};
		if (!first)
			putchar_unlocked(',');
		fputs_unlocked(row_sep, stdout);
		fputs_unlocked(indent ? "{\n    \"name" : "{\"name", stdout);
		fputs_unlocked(colon, stdout);
		bx_json_put_string(stdout, r->name);
		fputs_unlocked(field_sep, stdout);
		fputs_unlocked("\"status", stdout);
		fputs_unlocked(colon, stdout);
		fputs_unlocked(s->paused ? "\"paused\"" : "\"running\"", stdout);
		for (size_t k = 0; k < N_ELEMENTS(fields); k++) {
			fputs_unlocked(field_sep, stdout);
			putchar_unlocked('"');
			fputs_unlocked(fields[k].key, stdout);
			fputs_unlocked(colon, stdout);
			if (fields[k].is_percent)
				put_percent(fields[k].v);
			else
				put_u64(fields[k].v);
		}
		fputs_unlocked(indent ? "\n  }" : "}", stdout);
		first = false;
	}
	puts(indent && !first ? "\n]" : "]");
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
		/* Rounds list the same names in the same order: look at the
		 * same place first, not through every row for every row. */
		for (size_t j = 0; j < *n; j++) {
			size_t k = (m + j) % *n;
			if (strcmp((*rows)[k].name, names[i]))
				continue;
			if ((*rows)[k].ok) {
				r->prev = (*rows)[k].now;
				r->have_prev = true;
			}
			break;
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
				print_json(rows, n, !stream);
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
