/* What the container's first process (and every `boxlab exec`) does
 * between the last module and exec: environment, working directory, user
 * switch, terminal; and the messages it sends to its parent.
 *
 * Parent and child talk over a SOCK_SEQPACKET socketpair (contained.c's
 * pattern): the parent sends GO after parent_setup; the child answers
 * with PTY (the terminal's master, by SCM_RIGHTS) or ERROR (errno and
 * message, then it exits).  The child's end is close-on-exec, so a
 * successful exec shows up in the parent as end-of-file. */
#ifndef BX_PROCESS_H
#define BX_PROCESS_H

#include "core/err.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct bx_watches;

enum { BX_MSG_GO = 'G', BX_MSG_ERROR = 'E', BX_MSG_PTY = 'P' };

struct bx_msg {
	int type;
	int errnum;
	int exit_code;
	char text[1024];
};

int bx_msg_send(int fd, int type, int pass_fd);
/* 1: a message (and *fd_out if one came), 0: end-of-file, -1: error. */
int bx_msg_recv(int fd, struct bx_msg *m, int *fd_out);
/* Parent side, after GO: 0 once the child exec'd (end-of-file), with
 * *pty set if it sent a terminal; -1 with the child's error.  ws (or
 * NULL): watches served while waiting. */
int bx_msg_wait_exec(int fd, int *pty, struct bx_watches *ws, bx_err_t *err);
void bx_close_pair(int p[2]);
/* Send the error to the parent and exit with its code (125 default). */
void bx_child_fail(int sync_fd, bx_err_t *err) __attribute__((noreturn));

/* env: image env, then the user's; PATH, HOME, HOSTNAME, TERM filled in
 * when missing. */
char **bx_proc_env(char *const *image_env, char *const *user_env, const char *hostname, bool tty);
int bx_proc_workdir(const char *dir, bx_err_t *err);
/* "UID[:GID]" or "NAME[:GROUP]", looked up in the current root's
 * /etc/passwd and /etc/group; sets HOME in *env when it knows it. */
int bx_proc_user(const char *user, char ***env, bx_err_t *err);
/* Open a terminal in the current root's /dev/ptmx, send the master to
 * the parent and make the slave our stdio and controlling terminal. */
int bx_proc_pty(int sync_fd, bx_err_t *err);
/* Its parts, for a terminal sent elsewhere (the OCI console socket):
 * a master and its slave from the current root's /dev/ptmx; then the
 * slave as controlling terminal and stdio (it is closed). */
int bx_pty_open(int *master, int *slave, bx_err_t *err);
int bx_pty_attach(int slave, bx_err_t *err);
/* Set KEY=VALUE in an environment list, replacing KEY's entry. */
void bx_env_set(char ***env, const char *kv);
void bx_proc_exec(int sync_fd, char **argv, char **env) __attribute__((noreturn));
/* Start the command from init: clone(CLONE_VM | CLONE_VFORK), no copy
 * of our address space as a fork would make only to throw it away at
 * exec, and without posix_spawn's two syscalls for each of 64 signals. */
int bx_proc_spawn(char **argv, char **env, bool tty, const sigset_t *mask, const sigset_t *defaults, pid_t *pid,
		  bx_err_t *err);
/* "cannot run X in the container", 127 when not found, else 126. */
void bx_exec_error(int errnum, const char *cmd, bx_err_t *err);

/* Exit code of a process the way a shell reports it: the status, or
 * 128 + the signal that killed it. */
int bx_exit_code(int code, int status);

#endif
