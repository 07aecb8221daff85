/* Descriptors a module watches while its container runs, served by the
 * supervisor's own event loop (the relay, and the wait for exec before
 * it) instead of a process of the module's: the seccomp module watches
 * the container's listener this way, and forks its agent only when the
 * first call is handed over (most containers never make one).
 *
 * ready() is called with poll's revents; it returns false when the watch
 * is over (it closed the fd itself, or passed it on). */
#ifndef BX_WATCH_H
#define BX_WATCH_H

#include <poll.h>
#include <stdbool.h>

#define BX_WATCH_MAX 4

struct bx_watch {
	int fd;
	bool (*ready)(void *ctx, int fd, short revents);
	void *ctx;
};

struct bx_watches {
	struct bx_watch w[BX_WATCH_MAX];
	int n;
};

/* false when all BX_WATCH_MAX are in use */
bool bx_watch_add(struct bx_watches *ws, int fd, bool (*ready)(void *, int, short), void *ctx);
void bx_watch_remove(struct bx_watches *ws, int fd);
/* Appends one pollfd per watch to p (room for BX_WATCH_MAX), returns
 * how many; bx_watch_dispatch then serves them after poll. */
int bx_watch_fill(const struct bx_watches *ws, struct pollfd *p);
void bx_watch_dispatch(struct bx_watches *ws, const struct pollfd *p, int n);

#endif
