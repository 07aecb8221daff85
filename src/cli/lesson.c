/* boxlab lesson: the lab series in lessons/.  `list` shows every lesson
 * with the student's progress, `start` prepares one and prints its first
 * step, `check` runs its check.sh against the real state (containers,
 * timelines, cgroup files, the student's files) and prints each step
 * with a hint, `reset` removes what the lesson and the student made,
 * `show` prints the handout or one step.  lessons/README.md is the
 * reference for writing a lesson. */
#include "cli/cli.h"
#include "cli/lesson.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static const char *glyph_ok = "ok", *glyph_fail = "--";

static void pick_glyphs(void)
{
	setlocale(LC_CTYPE, "");
	if (!strcmp(nl_langinfo(CODESET), "UTF-8")) {
		glyph_ok = "\u2713";
		glyph_fail = "\u2717";
	}
}

static void when(int64_t s, char *buf, size_t len)
{
	time_t t = (time_t)s;
	struct tm tm;
	if (s <= 0 || !localtime_r(&t, &tm))
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* ---- list ---- */

static int lesson_list(bool json)
{
	struct bx_lesson *v = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	char cur[3] = "";
	if (bx_lesson_list(&v, &n, &err) < 0 || bx_lesson_progress_current(cur, &err) < 0) {
		bx_lesson_list_free(v, n);
		return bx_error_report(&err, 1);
	}
	json_t *a = json ? json_array() : NULL;
	if (!json)
		printf("%-3s %-46s %-8s %s\n", "NR", "TITLE", "PASSED", "CHECKED");
	for (size_t i = 0; i < n; i++) {
		struct bx_lesson_progress p;
		char t[32], passed[16];
		if (bx_lesson_progress_get(v[i].id, &p, &err) < 0) {
			json_decref(a);
			bx_lesson_list_free(v, n);
			return bx_error_report(&err, 1);
		}
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "lesson", json_string(v[i].id));
			json_object_set_new(o, "dir", json_string(v[i].slug));
			json_object_set_new(o, "title", json_string(v[i].title));
			json_object_set_new(o, "steps", json_integer((json_int_t)v[i].nsteps));
			json_object_set_new(o, "passed", json_integer((json_int_t)p.passed));
			json_object_set_new(o, "started", json_boolean(p.started));
			json_object_set_new(o, "checked", p.checked_s ? json_integer(p.checked_s) : json_null());
			json_object_set_new(o, "current", json_boolean(!strcmp(cur, v[i].id)));
			json_array_append_new(a, o);
		} else {
			when(p.checked_s, t, sizeof t);
			if (p.checked_s)
				snprintf(passed, sizeof passed, "%zu/%zu", p.passed, v[i].nsteps);
			else
				snprintf(passed, sizeof passed, "-/%zu", v[i].nsteps);
			printf("%-3s %-46.46s %-8s %s%s\n", v[i].id, v[i].title, passed, t,
			       !strcmp(cur, v[i].id) ? "  <- current" : "");
		}
		bx_lesson_progress_free(&p);
	}
	if (json)
		bx_cli_print_json(a);
	else
		printf("\nProgress of %s.  Start one with 'sudo boxlab lesson start NR'.\n", bx_lesson_user());
	bx_lesson_list_free(v, n);
	return 0;
}

/* ---- start, show ---- */

static void print_step(const struct bx_lesson *l, int n)
{
	cleanup_free char *text = bx_lesson_step_text(l, n);
	if (text)
		printf("\n%s", text);
}

static void print_env(const struct bx_lesson *l)
{
	cleanup_free char *lab = bx_lesson_lab(l);
	cleanup_free char *work = bx_lesson_work_dir(l);
	printf("Your containers are named $LAB-..., your files go to $WORK.  In your shell:\n\n"
	       "    export LAB=%s WORK=%s\n",
	       lab, work);
}

static int lesson_start(struct bx_lesson *l)
{
	bx_err_t err = NULL;
	int code = bx_lesson_script(l, "start.sh", true, -1, &err);
	if (code < 0)
		return bx_error_report(&err, 1);
	if (code > 0) {
		fprintf(stderr, "boxlab: start.sh of lesson %s failed (exit %d): see its output above\n", l->id,
			code);
		return 1;
	}
	if (bx_lesson_progress_started(l, &err) < 0)
		return bx_error_report(&err, 1);
	printf("Lesson %s: %s (%zu steps)\nHandout: %s/README.md\n\n", l->id, l->title, l->nsteps, l->dir);
	print_env(l);
	print_step(l, 1);
	printf("\nWhen done: sudo boxlab lesson check %s   (next steps: boxlab lesson show %s 2, ...)\n", l->id,
	       l->id);
	return 0;
}

static int lesson_show(struct bx_lesson *l, const char *step)
{
	if (step) {
		char *end;
		long n = strtol(step, &end, 10);
		if (end == step || *end || n < 1 || n > (long)l->nsteps) {
			fprintf(stderr, "boxlab: lesson %s has no step \"%s\" (steps 1 to %zu)\n", l->id, step,
				l->nsteps);
			return 2;
		}
		print_env(l);
		print_step(l, (int)n);
		return 0;
	}
	bx_err_t err = NULL;
	cleanup_free char *path = xasprintf("%s/README.md", l->dir);
	cleanup_free char *text = bx_read_file(path, NULL, &err);
	if (!text)
		return bx_error_report(&err, 1);
	fputs(text, stdout);
	return 0;
}

/* ---- check ---- */

/* Runs check.sh into a memfd (no pipe to drain while waiting); returns
 * its output, or NULL with err. */
static char *run_check(struct bx_lesson *l, int *code, bx_err_t *err)
{
	cleanup_close int fd = memfd_create("lesson-check", MFD_CLOEXEC);
	if (fd < 0) {
		bx_make_error(err, errno, "memfd_create");
		return NULL;
	}
	*code = bx_lesson_script(l, "check.sh", false, fd, err);
	if (*code < 0)
		return NULL;
	off_t len = lseek(fd, 0, SEEK_END);
	char *out = xzalloc((size_t)(len > 0 ? len : 0) + 1);
	if (len > 0 && pread(fd, out, (size_t)len, 0) != len) {
		free(out);
		bx_make_error(err, errno, "reading the output of check.sh");
		return NULL;
	}
	return out;
}

static int lesson_check(struct bx_lesson *l, bool porcelain)
{
	bx_err_t err = NULL;
	int code;
	cleanup_free char *out = run_check(l, &code, &err);
	if (!out)
		return bx_error_report(&err, 1);
	bx_lesson_apply_output(l, out);
	size_t passed = 0;
	for (size_t i = 0; i < l->nsteps; i++) {
		struct bx_lesson_step *s = &l->steps[i];
		if (!s->checked)
			s->hint = xasprintf("check.sh did not report on this step (exit %d)", code);
		passed += s->ok;
	}
	/* A check by hand makes the lesson current; the dashboard's
	 * background checks (--porcelain) must not take that from a
	 * `lesson start` of another one. */
	if (bx_lesson_progress_checked(l, !porcelain, &err) < 0)
		return bx_error_report(&err, 1);
	if (porcelain) {
		for (size_t i = 0; i < l->nsteps; i++) {
			struct bx_lesson_step *s = &l->steps[i];
			printf("%s %d %s%s%s\n", s->ok ? "ok" : "fail", s->n, s->title, s->hint ? " -- " : "",
			       s->hint ? s->hint : "");
		}
		return passed == l->nsteps ? 0 : 1;
	}
	pick_glyphs();
	printf("Lesson %s: %s (%s)\n", l->id, l->title, bx_lesson_user());
	int next = 0;
	for (size_t i = 0; i < l->nsteps; i++) {
		struct bx_lesson_step *s = &l->steps[i];
		printf("  %s %d. %s\n", s->ok ? glyph_ok : glyph_fail, s->n, s->title);
		if (!s->ok && s->hint)
			printf("       %s\n", s->hint);
		if (!s->ok && !next)
			next = s->n;
	}
	/* What the script said besides results: its own errors. */
	bool shown = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int n;
		bool ok;
		char *t = NULL, *h = NULL;
		if (bx_lesson_parse_line(line, &n, &ok, &t, &h)) {
			free(t);
			free(h);
			continue;
		}
		if (!shown)
			printf("check.sh also said:\n");
		shown = true;
		printf("  | %s\n", line);
	}
	if (next)
		printf("%zu/%zu steps passed.  Next: step %d ('boxlab lesson show %s %d').\n", passed, l->nsteps,
		       next, l->id, next);
	else
		printf("%zu/%zu steps passed: lesson %s done.\n", passed, l->nsteps, l->id);
	return next ? 1 : 0;
}

/* ---- reset ---- */

/* Every container of the lesson: named "$LAB-...". */
static int remove_containers(const struct bx_lesson *l)
{
	cleanup_free char *lab = bx_lesson_lab(l);
	cleanup_strv char **names = bx_state_list();
	size_t len = strlen(lab);
	int failed = 0;
	for (size_t i = 0; names && names[i]; i++) {
		bx_err_t err = NULL;
		if (strncmp(names[i], lab, len) || names[i][len] != '-')
			continue;
		if (bx_cli_cleanup(names[i], &err) < 0) {
			bx_error_report(&err, 1);
			failed = 1;
		} else {
			printf("removed container %s\n", names[i]);
		}
	}
	return failed;
}

static int lesson_reset(struct bx_lesson *l)
{
	bx_err_t err = NULL;
	int code = bx_lesson_script(l, "reset.sh", true, -1, &err);
	if (code < 0)
		return bx_error_report(&err, 1);
	int failed = code > 0;
	if (failed)
		fprintf(stderr, "boxlab: reset.sh of lesson %s failed (exit %d)\n", l->id, code);
	failed |= remove_containers(l);
	cleanup_free char *work = bx_lesson_work_dir(l);
	if (bx_rm_rf(work, &err) < 0 || bx_lesson_progress_drop(l->id, &err) < 0)
		return bx_error_report(&err, 1);
	printf("lesson %s reset for %s\n", l->id, bx_lesson_user());
	return failed;
}

/* ---- dispatch ---- */

static int lesson_exec(int argc, char **argv)
{
	if (bx_cli_help(&bx_cmd_lesson, argc, argv))
		return 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_lesson, "name an action: list, start, check, show or reset");
	const char *action = argv[1];
	bool flag = false;
	char *args[2] = {NULL, NULL};
	size_t nargs = 0;
	const char *allowed = !strcmp(action, "list") ? "--json" : !strcmp(action, "check") ? "--porcelain" : NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (!allowed || strcmp(argv[i], allowed))
				return bx_cli_usage_error(&bx_cmd_lesson, "unknown flag '%s' for lesson %s", argv[i],
							  action);
			flag = true;
		} else if (nargs < 2) {
			args[nargs++] = argv[i];
		} else {
			return bx_cli_usage_error(&bx_cmd_lesson, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!strcmp(action, "list")) {
		if (nargs)
			return bx_cli_usage_error(&bx_cmd_lesson, "lesson list takes no argument");
		return lesson_list(flag);
	}
	bool show = !strcmp(action, "show");
	if (strcmp(action, "start") && strcmp(action, "check") && strcmp(action, "reset") && !show)
		return bx_cli_usage_error(&bx_cmd_lesson, "unknown action \"%s\" (list, start, check, show, reset)",
					  action);
	if (nargs == 0 || (nargs == 2 && !show))
		return bx_cli_usage_error(&bx_cmd_lesson, "lesson %s needs one lesson number (see 'boxlab lesson list')",
					  action);
	/* The checks read containers, cgroups and /proc of other users'
	 * processes; start and reset make and remove them. */
	if (!show && geteuid() != 0) {
		fprintf(stderr, "boxlab: lesson %s needs root: sudo boxlab lesson %s %s\n", action, action, args[0]);
		return 1;
	}
	struct bx_lesson l;
	bx_err_t err = NULL;
	if (bx_lesson_find(args[0], &l, &err) < 0)
		return bx_error_report(&err, 1);
	int code;
	if (!strcmp(action, "start"))
		code = lesson_start(&l);
	else if (!strcmp(action, "check"))
		code = lesson_check(&l, flag);
	else if (show)
		code = lesson_show(&l, args[1]);
	else
		code = lesson_reset(&l);
	bx_lesson_free(&l);
	return code;
}

const struct bx_cmd bx_cmd_lesson = {
	.name = "lesson",
	.usage = "list [--json] | start NR | check NR [--porcelain] | show NR [STEP] | reset NR",
	.summary = "lab lessons with automatic checks: list, start, check, show, reset",
	.options = "  list              every lesson, with your progress (steps passed, last check)\n"
		   "  start NR          prepare lesson NR and print its first step\n"
		   "  check NR          check each step against the real state; exit 0 when all pass\n"
		   "  show NR [STEP]    the handout, or one step of it\n"
		   "  reset NR          remove what the lesson and you made (containers $LAB-*, work dir,\n"
		   "                    progress) to start over\n"
		   "      --json        (list) as JSON\n"
		   "      --porcelain   (check) one line a step: \"ok N title\" or \"fail N title -- hint\";\n"
		   "                    recorded, but the current lesson stays (the dashboard uses it)\n"
		   "\nNR is the lesson's number (0, 00 or 00-tour).  Progress is kept per user\n"
		   "(SUDO_USER through sudo) in /var/lib/boxlab/lessons/USER/ ($BOXLAB_LESSON_STATE);\n"
		   "lessons are found in $BOXLAB_LESSONS, or lessons/ next to the binary.\n",
	.exec = lesson_exec,
};
