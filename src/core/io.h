/* Moving bytes between the container and the user while waiting for it:
 * output to the terminal and to stdout.log, the terminal's input to the
 * pty, window-size changes, and signals forwarded to the container. */
#ifndef BX_IO_H
#define BX_IO_H

#include <signal.h>
#include <stdbool.h>
#include <termios.h>

struct bx_logw;
struct bx_watches;

struct bx_relay {
	int pidfd;      /* the process waited for, and where signals go */
	int out, err;   /* read ends of its stdout/stderr pipes, or -1 */
	int pty;        /* terminal master, or -1 */
	int in;         /* our input copied into the pty, or -1 */
	struct bx_logw *log; /* stdout.log (core/logfile.h), or NULL */
	bool echo;      /* copy output to our own stdout/stderr */
	int sigfd;      /* signalfd of bx_relay_block_signals() */
	bool raw;       /* our terminal was put in raw mode */
	struct bx_watches *watches; /* the modules' (core/watch.h), or NULL */
	struct termios saved;
};

/* Block the signals we forward; call before clone so none is lost. */
void bx_relay_block_signals(sigset_t *old);
void bx_relay_init(struct bx_relay *r);
/* -i: copy our stdin into the pty; a terminal goes raw (restored by
 * bx_relay_done) unless we are in the background of it. */
void bx_relay_input(struct bx_relay *r);
void bx_relay_winsize(struct bx_relay *r);
/* Relay until the process exits; returns its exit code. */
int bx_relay_run(struct bx_relay *r);
void bx_relay_done(struct bx_relay *r);

#endif
