/* boxlab pause and boxlab resume: stop every process of a container at
 * once and let them go on later, through the freezer cgroup (v1
 * freezer.state, v2 cgroup.freeze).  Unlike SIGSTOP, which a process can
 * see (its parent gets SIGCHLD, a shell reports "Stopped"), a frozen
 * process notices nothing; it is how a checkpoint gets a still image.
 *
 * Both wait until the kernel says the freeze is complete, then record
 * the status (paused / running) in state.json under the state lock and
 * put the step, with its duration, on the timeline. */
#include "cli/cli.h"
#include "core/lifecycle.h"
#include "core/proc.h"
#include "core/timeline.h"
#include "modules/cgroup.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <string.h>

/* force: thaw whatever state.json says is paused, even when its
 * supervisor is gone (gc of a container that died paused). */
static int set_paused(const char *name, bool pause, bool force, bx_err_t *err)
{
	struct bx_state st;
	struct bx_spec spec;
	struct bx_box box;
	struct bx_timeline tl = {.fd = -1};
	bx_err_t tmp = NULL;
	uint64_t t = bx_now_us();
	int ret = -1;

	cleanup_close int lock = -1;
	if (bx_state_read(name, &st, err) < 0)
		return -1;
	bx_state_free(&st);
	/* Decide under the lock: the supervisor records the exit under it. */
	lock = bx_state_lock(name, err);
	if (lock < 0 || bx_state_read(name, &st, err) < 0)
		return -1;
	enum bx_status s = force ? st.status : bx_cli_live_status(&st);
	if (s != (pause ? BX_RUNNING : BX_PAUSED)) {
		bx_usage_error(err, "cannot %s %s: the container is %s", pause ? "pause" : "resume", name,
			       bx_status_name(s));
		if (s == BX_DEAD)
			bx_error_hint(err, "its supervisor is gone; 'boxlab gc' cleans it up");
		goto out;
	}
	bx_box_of_state(&box, &spec, &st);
	if (bx_cg_freeze_box(&box, pause, err) < 0) {
		/* A freeze that did not complete is undone, so the container
		 * is never left half frozen. */
		if (pause && bx_cg_freeze_box(&box, false, &tmp) < 0)
			bx_error_release(&tmp);
		goto out;
	}
	st.status = pause ? BX_PAUSED : BX_RUNNING;
	if (bx_state_write(&st, err) < 0)
		goto out;
	if (bx_tl_open(&tl, name, st.t0_mono_us, &tmp) == 0) {
		bx_tl_event(&tl, "freezer", pause ? "pause" : "resume", t, "%s", pause ? "every process frozen"
			    : "every process thawed");
		bx_tl_close(&tl);
	}
	bx_error_release(&tmp);
	ret = 0;
out:
	bx_state_free(&st);
	return ret;
}

int bx_cli_unpause(const char *name, bx_err_t *err)
{
	struct bx_state st;
	bx_err_t tmp = NULL;
	if (bx_state_read(name, &st, &tmp) < 0) {
		bx_error_release(&tmp);
		return 0;
	}
	bool paused = st.status == BX_PAUSED;
	bx_state_free(&st);
	return paused ? set_paused(name, false, true, err) : 0;
}

static int run(const struct bx_cmd *cmd, bool pause, int argc, char **argv)
{
	int c, code = 0;
	if (bx_cli_help(cmd, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt(argc, argv, "+")) != -1)
		return bx_cli_usage_error(cmd, "unknown flag '%s'", argv[optind - 1]);
	if (optind >= argc)
		return bx_cli_usage_error(cmd, "no container named");
	for (int i = optind; i < argc; i++) {
		bx_err_t err = NULL;
		if (set_paused(argv[i], pause, false, &err) < 0)
			code = bx_error_report(&err, 1);
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

static int pause_exec(int argc, char **argv)
{
	return run(&bx_cmd_pause, true, argc, argv);
}

static int resume_exec(int argc, char **argv)
{
	return run(&bx_cmd_resume, false, argc, argv);
}

const struct bx_cmd bx_cmd_pause = {
	.name = "pause",
	.usage = "NAME...",
	.summary = "freeze every process of containers (freezer cgroup) until 'boxlab resume'",
	.options = NULL,
	.exec = pause_exec,
};

const struct bx_cmd bx_cmd_resume = {
	.name = "resume",
	.alias = "unpause",
	.usage = "NAME...",
	.summary = "thaw paused containers",
	.options = NULL,
	.exec = resume_exec,
};
