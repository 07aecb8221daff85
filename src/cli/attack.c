/* boxlab attack: run escape attempts against the host and let the host
 * judge them (src/attack/, attacks/).  One attack with any run flags,
 * --all (each with the default modules and with --isolation=none), or
 * --matrix (also each module removed on its own from the default set). */
#include "attack/attack.h"
#include "cli/cli.h"
#include "core/proc.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { ONE, LIST, ALL, MATRIX };

static int parse_jobs(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 1 || v > 16)
		return -1;
	*out = (int)v;
	return 0;
}

/* Run flags must parse as `boxlab run` would take them. */
static int check_flags(char **flags, bool *modules_on, bx_err_t *err)
{
	struct bx_spec s;
	char **argv = strv_dup(flags);
	strv_push(&argv, "busybox");
	bx_spec_init(&s);
	int ret = bx_spec_parse_args(&s, (int)strv_len(argv), argv, err);
	if (ret == 0 && (!s.image || strcmp(s.image, "busybox") || s.argv))
		ret = bx_usage_error(err, "unexpected argument \"%s\" among the run flags (the attack's name comes first: "
				     "boxlab attack NAME [RUN FLAGS])", s.image ? s.image : "?");
	for (size_t i = 0; ret == 0 && bx_modules[i]; i++)
		modules_on[i] = s.modules[i];
	bx_spec_free(&s);
	strv_free(argv);
	return ret;
}

static json_t *modules_json(const bool *on)
{
	json_t *a = json_array();
	for (size_t i = 0; bx_modules[i]; i++)
		if (on[i])
			json_array_append_new(a, json_string(bx_modules[i]->name));
	return a;
}

static json_t *words_json(const char *s)
{
	json_t *a = json_array();
	cleanup_free char *c = xstrdup(s ? s : "");
	char *save = NULL;
	for (char *w = strtok_r(c, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_array_append_new(a, json_string(w));
	return a;
}

static const char *job_verdict(const struct bx_atk_job *j)
{
	return j->error ? "ERROR" : bx_verdict_name(j->run.verdict);
}

static int report_errors(struct bx_atk_job *jobs, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].error) {
			fprintf(stderr, "boxlab: attack %s (%s): %s\n", jobs[i].atk->name, jobs[i].label, jobs[i].error);
			bad = 1;
		}
	return bad;
}

static int do_list(bool json)
{
	json_t *a = json_array();
	if (!json)
		printf("%-21s %-10s %s\n", "ATTACK", "BLOCKED BY", "WHAT IT DOES");
	for (size_t i = 0; bx_attacks[i]; i++) {
		const struct bx_attack *t = bx_attacks[i];
		if (json)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", t->name, "summary",
							   t->summary, "mirrors", t->mirrors, "canary", t->canary,
							   "blocked_by", words_json(t->blocked_by)));
		else
			printf("%-21s %-10s %s\n", t->name, *t->blocked_by ? t->blocked_by : "(several)", t->summary);
	}
	if (json)
		bx_cli_print_json(a);
	else
		json_decref(a);
	return 0;
}

static int do_one(const struct bx_attack *a, char **flags, bool json, bool *on)
{
	struct bx_atk_job job = {.atk = a, .flags = strv_dup(flags), .label = "as given"};
	bx_err_t err = NULL;
	int ret = bx_atk_run_jobs(&job, 1, 1, &err);
	if (ret < 0) {
		int code = report_errors(&job, 1);
		(void)code;
		bx_atk_job_free(&job);
		return bx_error_report(&err, 1);
	}
	if (report_errors(&job, 1)) {
		bx_atk_job_free(&job);
		return 1;
	}
	struct bx_atk_run *r = &job.run;
	if (json) {
		bx_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", a->name, "verdict",
					    bx_verdict_name(r->verdict), "claim", r->claim ? r->claim : "",
					    "evidence", r->evidence ? r->evidence : "", "modules", modules_json(on)));
	} else {
		char **off = NULL;
		for (size_t i = 0; bx_modules[i]; i++)
			if (!on[i] && bx_modules[i]->default_on)
				strv_push(&off, bx_modules[i]->name);
		cleanup_free char *offs = off ? strv_join(off, " ") : xstrdup("none (the default set)");
		strv_free(off);
		printf("attack    %s: %s\n", a->name, a->summary);
		printf("mirrors   %s\n", a->mirrors);
		printf("off       %s\n", offs);
		printf("canary    %s\n", a->canary);
		if (r->verdict == BX_NA)
			printf("claim     (not run)\n");
		else
			printf("claim     %s   (the attack's word, not trusted)\n", r->claim ? r->claim : "");
		printf("evidence  %s\n", r->evidence ? r->evidence : "");
		printf("verdict   %s\n", bx_verdict_name(r->verdict));
	}
	bx_atk_job_free(&job);
	return 0;
}

/* --all and --matrix: the jobs, in order attack x column. */
static int do_many(bool matrix, bool json, int parallel)
{
	char **cols = NULL;
	strv_push(&cols, "default");
	strv_push(&cols, "none");
	for (size_t i = 0; matrix && bx_modules[i]; i++)
		if (bx_modules[i]->default_on)
			strv_push(&cols, bx_modules[i]->name);
	size_t na = 0, nc = strv_len(cols);
	while (bx_attacks[na])
		na++;
	struct bx_atk_job *jobs = xzalloc(sizeof *jobs * na * nc);
	for (size_t a = 0; a < na; a++)
		for (size_t c = 0; c < nc; c++) {
			struct bx_atk_job *j = &jobs[a * nc + c];
			j->atk = bx_attacks[a];
			j->label = cols[c];
			if (c == 1)
				strv_push(&j->flags, "--isolation=none");
			else if (c > 1)
				strv_pushf(&j->flags, "--no-%s", cols[c]);
		}
	bx_err_t err = NULL;
	uint64_t t0 = bx_now_us();
	int ret = bx_atk_run_jobs(jobs, na * nc, parallel, &err);
	uint64_t ms = (bx_now_us() - t0) / 1000;
	int bad = report_errors(jobs, na * nc);

	struct bx_matrix m = {0};
	m.cols = strv_dup(cols);
	m.cells = xzalloc(sizeof *m.cells * na * nc);
	for (size_t a = 0; a < na; a++) {
		strv_push(&m.rows, bx_attacks[a]->name);
		for (size_t c = 0; c < nc; c++)
			m.cells[a * nc + c] = jobs[a * nc + c].run.verdict;
	}
	for (size_t a = 0; a < na; a++) {
		char *b = matrix ? bx_matrix_blocked_by(&m, a) : xstrdup(bx_attacks[a]->blocked_by);
		strv_push(&m.blocked_by, b);
		free(b);
	}
	if (json) {
		json_t *arr = json_array();
		for (size_t a = 0; a < na; a++) {
			json_t *o = json_pack("{s:s, s:o}", "name", bx_attacks[a]->name, "blocked_by",
					      words_json(m.blocked_by[a]));
			for (size_t c = 0; c < nc; c++)
				json_object_set_new(o, cols[c], json_string(job_verdict(&jobs[a * nc + c])));
			json_array_append_new(arr, o);
		}
		bx_cli_print_json(arr);
	} else {
		char *t = bx_matrix_format(&m);
		fputs(t, stdout);
		free(t);
		printf("\n- blocked, ESCAPED: the host saw it, n/a: this kernel cannot; blocked_by: %s\n",
		       matrix ? "the modules whose removal alone lets it through (measured)"
			      : "from the catalogue (--matrix measures it)");
	}
	for (size_t a = 0; matrix && a < na; a++)
		if (strcmp(m.blocked_by[a], bx_attacks[a]->blocked_by))
			fprintf(stderr, "boxlab: note: %s: measured blocked_by \"%s\", the catalogue says \"%s\"\n",
				bx_attacks[a]->name, m.blocked_by[a], bx_attacks[a]->blocked_by);
	fflush(stdout);
	fprintf(stderr, "%zu attacks x %zu runs in %.1f s (%d at once)\n", na, nc, ms / 1000.0, parallel);
	bx_matrix_free(&m);
	for (size_t i = 0; i < na * nc; i++)
		bx_atk_job_free(&jobs[i]);
	free(jobs);
	strv_free(cols);
	if (ret < 0)
		return bx_error_report(&err, 1);
	return bad;
}

static int attack_exec(int argc, char **argv)
{
	enum mode mode = ONE;
	bool json = false;
	int parallel = 4;
	const char *name = NULL;
	char **flags = NULL;
	bx_err_t err = NULL;

	if (bx_cli_help(&bx_cmd_attack, argc, argv))
		return 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* Our own flags anywhere (no run flag has their names); other
		 * words after the first run flag are run flags or their values. */
		if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--list")) {
			mode = LIST;
		} else if (!strcmp(a, "--all")) {
			mode = ALL;
		} else if (!strcmp(a, "--matrix")) {
			mode = MATRIX;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strncmp(a, "--jobs=", 7)) {
			const char *v = a[2] == '=' || !strncmp(a, "--jobs=", 7) ? strchr(a, '=') + 1 : i + 1 < argc ? argv[++i] : "";
			if (parse_jobs(v, &parallel) < 0)
				return bx_cli_usage_error(&bx_cmd_attack, "invalid --jobs \"%s\" (allowed: 1 to 16)", v);
		} else if (a[0] == '-' || flags) {
			strv_push(&flags, a);
		} else if (!name) {
			name = a;
		} else {
			return bx_cli_usage_error(&bx_cmd_attack, "one attack at a time (\"%s\" and \"%s\"; --all runs all)",
						  name, a);
		}
	}
	cleanup_strv char **fl = flags;
	if (mode == LIST)
		return do_list(json);
	if (mode != ONE && (name || flags))
		return bx_cli_usage_error(&bx_cmd_attack, "--all and --matrix choose the modules themselves: no attack "
					  "name or run flags with them");
	if (mode != ONE)
		return do_many(mode == MATRIX, json, parallel);
	cleanup_free char *names = bx_attack_names();
	if (!name)
		return bx_cli_usage_error(&bx_cmd_attack, "no attack named (one of: %s; or --list, --all, --matrix)", names);
	const struct bx_attack *a = bx_attack_find(name);
	if (!a)
		return bx_cli_usage_error(&bx_cmd_attack, "unknown attack \"%s\" (allowed: %s)", name, names);
	bool on[BX_MAX_MODULES] = {0};
	if (check_flags(fl, on, &err) < 0)
		return bx_error_report(&err, 1);
	return do_one(a, fl, json, on);
}

const struct bx_cmd bx_cmd_attack = {
	.name = "attack",
	.usage = "NAME [RUN FLAGS] | --list | --all | --matrix  [--json]",
	.summary = "run an escape attack in a container and let the host judge it",
	.options = "  NAME               one attack (--list shows them), with the default modules, or as RUN FLAGS\n"
		   "                     say: --isolation=none, --no-MODULE, any flag of 'boxlab run'\n"
		   "      --list         the attacks, what they mirror, which modules the catalogue says block them\n"
		   "      --all          every attack with the default modules and with --isolation=none\n"
		   "      --matrix       also with each default module removed on its own; blocked_by = the\n"
		   "                     modules whose removal alone lets the attack through\n"
		   "  -j, --jobs N       containers at once for --all/--matrix (1 to 16, default 4)\n"
		   "      --json         JSON instead of a table\n"
		   "\n"
		   "The host plants a fresh canary (a secret file, a process, a listener, a SysV segment, a key,\n"
		   "a pty...), runs the attack from the image's /usr/lib/boxlab/attacks, and checks the canary\n"
		   "itself: ESCAPED only when the host saw the effect; the attack's own claim is shown, never\n"
		   "trusted.  Exit 0 when a verdict was reached either way, 1 on errors, 2 on usage errors.\n"
		   "The catalogue, with the expected matrix: attacks/README.md.\n",
	.exec = attack_exec,
};
