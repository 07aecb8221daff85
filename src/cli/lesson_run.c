/* Running a lesson's scripts (start.sh, check.sh, reset.sh) with bash,
 * in the student's work dir, with the environment lessons/README.md
 * promises: BOXLAB, LESSON, LESSON_DIR, LESSON_WORK, LESSON_USER, LAB. */
#include "cli/lesson.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A hung check must not hang `lesson check` (or the dashboard's panel). */
#define SCRIPT_TIMEOUT_S 120

static void child(const struct bx_lesson *l, const char *path, const char *work, int out)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	cleanup_free char *lab = bx_lesson_lab(l);
	setenv("BOXLAB", exe, 1);
	setenv("LESSON", l->id, 1);
	setenv("LESSON_DIR", l->dir, 1);
	setenv("LESSON_WORK", work, 1);
	setenv("LESSON_USER", bx_lesson_user(), 1);
	setenv("LAB", lab, 1);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	if (chdir(work) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	alarm(SCRIPT_TIMEOUT_S); /* survives exec: the script dies of SIGALRM */
	execl("/bin/bash", "bash", path, (char *)NULL);
	dprintf(2, "boxlab: cannot run /bin/bash: %s\n", strerror(errno));
	_exit(127);
}

/* The work dir, owned by the student when they have an account, so
 * they can write their answers there without sudo. */
static int make_work(const char *work, bx_err_t *err)
{
	if (bx_mkdir_p(work, 0755, err) < 0)
		return -1;
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw = sudo && getuid() == 0 ? bx_lesson_passwd(sudo, 0) : NULL;
	if (pw && chown(work, pw->pw_uid, pw->pw_gid) < 0)
		return bx_make_error(err, errno, "cannot give %s to %s", work, sudo);
	return 0;
}

int bx_lesson_script(const struct bx_lesson *l, const char *script, bool optional, int out, bx_err_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", l->dir, script);
	cleanup_free char *work = bx_lesson_work_dir(l);
	int status;
	/* Made first: `lesson start` of a lesson without start.sh makes it too. */
	if (make_work(work, err) < 0)
		return -1;
	if (access(path, R_OK) < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return bx_make_error(err, errno, "lesson %s has no readable %s", l->slug, path);
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return bx_make_error(err, errno, "cannot fork for %s", script);
	if (pid == 0)
		child(l, path, work, out);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return bx_make_error(err, errno, "waiting for %s", script);
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			return bx_make_error(err, 0, "%s of lesson %s took more than %d s and was stopped", script,
					     l->id, SCRIPT_TIMEOUT_S);
		return bx_make_error(err, 0, "%s of lesson %s died of signal %d", script, l->id, WTERMSIG(status));
	}
	return WEXITSTATUS(status);
}
