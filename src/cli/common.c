#include "cli/cli.h"
#include "core/lifecycle.h"
#include "core/proc.h"
#include "core/supervise.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void bx_cli_usage(const struct bx_cmd *cmd, FILE *out)
{
	fprintf(out, "Usage: boxlab %s %s\n", cmd->name, cmd->usage);
}

bool bx_cli_help(const struct bx_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		/* For run and exec, stop at the command: "-h" may be its own. */
		if (argv[i][0] != '-' && (cmd->exec == bx_cmd_run.exec || cmd->exec == bx_cmd_exec.exec))
			break;
		if (strcmp(argv[i], "--help") && strcmp(argv[i], "-h"))
			continue;
		bx_cli_usage(cmd, stdout);
		printf("\n%s.\n", cmd->summary);
		if (cmd->exec == bx_cmd_run.exec) {
			printf("\nOptions:\n");
			bx_spec_print_options(stdout);
		} else if (cmd->options) {
			printf("\nOptions:\n%s", cmd->options);
		}
		return true;
	}
	return false;
}

int bx_cli_usage_error(const struct bx_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("boxlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (usage: boxlab %s %s)\n", cmd->name, cmd->usage);
	va_end(ap);
	return BX_EXIT_USAGE;
}

enum bx_status bx_cli_live_status(const struct bx_state *st)
{
	if ((st->status == BX_CREATED || st->status == BX_RUNNING || st->status == BX_PAUSED ||
	     st->status == BX_RESTARTING) &&
	    !bx_state_supervisor_alive(st))
		return BX_DEAD;
	return st->status;
}

void bx_cli_print_json(void *json)
{
	char *s = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(json);
}

int bx_cli_load(const char *name, struct bx_state *st, unsigned mask, const char *action, bx_err_t *err)
{
	if (bx_state_read(name, st, err) < 0)
		return -1;
	enum bx_status s = bx_cli_live_status(st);
	if (mask & (1u << s))
		return 0;
	bx_usage_error(err, "cannot %s %s: the container is %s", action, name, bx_status_name(s));
	if (s == BX_DEAD)
		bx_error_hint(err, "its supervisor is gone; 'boxlab gc' cleans it up");
	else if (s != BX_RUNNING)
		bx_error_hint(err, "start a new one with 'boxlab run'");
	bx_state_free(st);
	return -1;
}

void bx_cli_wait_finished(const struct bx_state *st, int timeout_ms)
{
	cleanup_close int fd = -1;
	if (!bx_state_supervisor_alive(st))
		return;
	fd = bx_pidfd_open(st->supervisor);
	/* Start time checked after opening: the pidfd then surely names
	 * the supervisor, not a process that reused its pid. */
	if (fd < 0 || !bx_state_supervisor_alive(st))
		return;
	bx_pidfd_wait(fd, timeout_ms);
}

int bx_cli_cleanup(const char *name, bx_err_t *err)
{
	struct bx_state st;
	struct bx_spec spec;
	struct bx_box box;
	bx_err_t tmp = NULL;

	/* One remover at a time: the others wait here and find it gone. */
	bool gone;
	cleanup_close int lock = bx_state_remove_lock(name, &gone);
	(void)lock; /* held until we return */
	if (gone)
		return 0;

	if (bx_state_read(name, &st, &tmp) == 0) {
		/* No restart policy may bring it back while it goes. */
		bx_supervise_request_stop(&st);
		/* Frozen tasks do not die of SIGKILL until thawed. */
		if (st.status == BX_PAUSED && bx_cli_unpause(name, &tmp) < 0) {
			bx_warn("%s", tmp->msg);
			bx_error_release(&tmp);
		}
		if (bx_state_init_alive(&st)) {
			cleanup_close int fd = bx_pidfd_open(st.pid);
			if (fd >= 0 && bx_state_init_alive(&st)) {
				syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
				bx_pidfd_wait(fd, 5000);
			}
		}
		bx_cli_wait_finished(&st, 5000);
		bx_state_free(&st);
	}
	bx_error_release(&tmp);

	/* Teardown from what the state dir holds; a container whose
	 * config.ini was never written made nothing a module must undo
	 * except possibly its rootfs mount, which the full-on spec covers. */
	if (bx_state_load_spec(name, &spec, &tmp) < 0) {
		bx_error_release(&tmp);
		bx_spec_free(&spec);
		bx_spec_init(&spec);
		spec.name = xstrdup(name);
	}
	bx_box_init(&box, &spec);
	bx_box_teardown(&box);
	free(box.dir);
	bx_spec_free(&spec);
	return bx_state_remove(name, err);
}

/* Detached containers (run -d, restore): fork a supervisor in its own
 * session, with no terminal and none of the caller's descriptors (a
 * test harness waits for them to close), that runs fn(spec, arg, 3);
 * fd 3 is how it tells us "ok WORD" or "<exit code> <message>".  On ok,
 * *word is WORD (the name run used, restore's pid); else the message
 * is printed and its exit code returned. */
int bx_cli_supervise_detached(struct bx_spec *spec, const char *during,
			      int (*fn)(struct bx_spec *spec, const void *arg, int notify_fd, bx_err_t *err),
			      const void *arg, char **word)
{
	int p[2];
	bx_err_t err = NULL;
	*word = NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		bx_make_error(&err, errno, "cannot create a pipe");
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		bx_make_error(&err, errno, "cannot fork the supervisor");
		close(p[0]);
		close(p[1]);
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
		if (p[1] != 3) {
			dup3(p[1], 3, O_CLOEXEC);
			close(p[1]);
		}
		syscall(SYS_close_range, 4, ~0U, 0);
		int code = fn(spec, arg, 3, &err);
		bx_error_release(&err);
		_exit(code < 0 ? BX_EXIT_RUNTIME : 0);
	}
	close(p[1]);
	char buf[2048];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	buf[n] = '\0';
	if (!strncmp(buf, "ok ", 3)) {
		buf[3 + strcspn(buf + 3, "\n")] = '\0';
		*word = xstrdup(buf + 3);
		return 0;
	}
	char *msg;
	long code = strtol(buf, &msg, 10);
	if (msg == buf || *msg != ' ') {
		fprintf(stderr, "boxlab: the supervisor of %s died during %s\n", spec->name, during);
		return BX_EXIT_RUNTIME;
	}
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "boxlab: %s\n", msg + 1);
	return (int)code;
}

int bx_cli_json_only(const struct bx_cmd *cmd, const char *sub, int argc, char **argv, bool *json)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	int c;
	opterr = 0;
	optind = 1;
	*json = false;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'j') {
			*json = true;
			continue;
		}
		if (sub)
			return bx_cli_usage_error(cmd, "unknown flag '%s' for %s", argv[optind - 1], sub);
		return bx_cli_usage_error(cmd, "unknown flag '%s'", argv[optind - 1]);
	}
	return 0;
}
