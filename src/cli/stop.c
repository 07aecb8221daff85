/* boxlab stop and boxlab kill: signals to a container's init.
 *
 * stop sends SIGTERM, waits, then SIGKILL, as Docker does: the init
 * (core/init.c) forwards SIGTERM to the command, so a well-behaved
 * program gets to clean up.  Both go through a pidfd checked against the
 * recorded start time, so a reused pid is never signalled. */
#include "cli/cli.h"
#include "core/proc.h"
#include "core/supervise.h"
#include "core/timeline.h"
#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int signal_box(const struct bx_state *st, int sig, bx_err_t *err)
{
	cleanup_close int fd = bx_pidfd_open(st->pid);
	if (fd < 0 || !bx_state_init_alive(st) || syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return bx_make_error(err, errno ? errno : ESRCH, "cannot signal %s", st->name);
	return 0;
}

static void note(const struct bx_state *st, const char *phase, const char *msg)
{
	struct bx_timeline tl;
	bx_err_t tmp = NULL;
	if (bx_tl_open(&tl, st->name, st->t0_mono_us, &tmp) < 0) {
		bx_error_release(&tmp);
		return;
	}
	bx_tl_event(&tl, "core", phase, 0, "%s", msg);
	bx_tl_close(&tl);
}

static int stop_one(const char *name, long timeout, bx_err_t *err)
{
	struct bx_state st;
	if (bx_cli_load(name, &st, 1u << BX_RUNNING | 1u << BX_PAUSED | 1u << BX_CREATED | 1u << BX_RESTARTING,
			"stop", err) < 0)
		return -1;
	/* Before the signal: the supervisor must know this exit is wanted,
	 * whatever its restart policy (core/supervise.h). */
	bx_supervise_request_stop(&st);
	/* A frozen process gets no signal until thawed: resume first. */
	if (st.status == BX_PAUSED && bx_cli_unpause(name, err) < 0) {
		bx_state_free(&st);
		return -1;
	}
	cleanup_close int fd = bx_pidfd_open(st.pid);
	int ret = 0;
	if (fd >= 0 && bx_state_init_alive(&st)) {
		note(&st, "stop", "SIGTERM sent");
		syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
		if (!bx_pidfd_wait(fd, (int)(timeout * 1000))) {
			note(&st, "stop", "still running: SIGKILL sent");
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			bx_pidfd_wait(fd, -1);
		}
	}
	bx_cli_wait_finished(&st, 10000);
	bx_state_free(&st);
	return ret;
}

static int stop_exec(int argc, char **argv)
{
	static const struct option opts[] = {{"time", required_argument, NULL, 't'}, {0}};
	long timeout = 10;
	int c, code = 0;
	char *end;
	if (bx_cli_help(&bx_cmd_stop, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c == 't') {
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout < 0 || end == optarg)
				return bx_cli_usage_error(&bx_cmd_stop, "invalid --time \"%s\" (seconds, >= 0)", optarg);
		} else {
			return bx_cli_usage_error(&bx_cmd_stop, "unknown flag or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_stop, "no container named");
	for (int i = optind; i < argc; i++) {
		bx_err_t err = NULL;
		if (stop_one(argv[i], timeout, &err) < 0)
			code = bx_error_report(&err, 1);
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

static int kill_exec(int argc, char **argv)
{
	static const struct option opts[] = {{"signal", required_argument, NULL, 's'}, {0}};
	int sig = SIGKILL, c, code = 0;
	if (bx_cli_help(&bx_cmd_kill, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:", opts, NULL)) != -1) {
		if (c == 's' && (sig = bx_signal_parse(optarg)) > 0)
			continue;
		if (c == 's')
			return bx_cli_usage_error(&bx_cmd_kill, "invalid signal \"%s\" (a name like TERM or SIGHUP, or a "
						  "number from 1 to 64)", optarg);
		return bx_cli_usage_error(&bx_cmd_kill, "unknown flag or missing value '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_kill, "no container named");
	for (int i = optind; i < argc; i++) {
		struct bx_state st;
		bx_err_t err = NULL;
		if (bx_cli_load(argv[i], &st, 1u << BX_RUNNING | 1u << BX_PAUSED, "kill", &err) < 0 ||
		    signal_box(&st, sig, &err) < 0) {
			code = bx_error_report(&err, 1);
		} else {
			char msg[64];
			snprintf(msg, sizeof msg, "SIG%s sent", bx_signal_name(sig));
			note(&st, "kill", msg);
			printf("%s\n", argv[i]);
		}
		bx_state_free(&st);
	}
	return code;
}

const struct bx_cmd bx_cmd_stop = {
	.name = "stop",
	.usage = "[-t SECONDS] NAME...",
	.summary = "stop containers: SIGTERM, then SIGKILL after a grace period",
	.options = "  -t, --time SECONDS   grace period before SIGKILL (default 10)\n",
	.exec = stop_exec,
};

const struct bx_cmd bx_cmd_kill = {
	.name = "kill",
	.usage = "[-s SIGNAL] NAME...",
	.summary = "send a signal to containers (default SIGKILL)",
	.options = "  -s, --signal SIGNAL  name (TERM, SIGHUP) or number (default KILL)\n",
	.exec = kill_exec,
};
