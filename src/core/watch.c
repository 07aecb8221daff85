#include "core/watch.h"

#include <stddef.h>

bool bx_watch_add(struct bx_watches *ws, int fd, bool (*ready)(void *, int, short), void *ctx)
{
	if (ws->n >= BX_WATCH_MAX)
		return false;
	ws->w[ws->n++] = (struct bx_watch){.fd = fd, .ready = ready, .ctx = ctx};
	return true;
}

/* The first watch of fd, with this callback and context where given. */
static int find(const struct bx_watches *ws, int fd, bool (*ready)(void *, int, short), void *ctx)
{
	for (int i = 0; i < ws->n; i++)
		if (ws->w[i].fd == fd && (!ready || (ws->w[i].ready == ready && ws->w[i].ctx == ctx)))
			return i;
	return -1;
}

static void drop(struct bx_watches *ws, int i)
{
	if (i >= 0)
		ws->w[i] = ws->w[--ws->n];
}

void bx_watch_remove(struct bx_watches *ws, int fd)
{
	drop(ws, find(ws, fd, NULL, NULL));
}

int bx_watch_fill(const struct bx_watches *ws, struct pollfd *p)
{
	for (int i = 0; ws && i < ws->n; i++)
		p[i] = (struct pollfd){.fd = ws->w[i].fd, .events = POLLIN};
	return ws ? ws->n : 0;
}

void bx_watch_dispatch(struct bx_watches *ws, const struct pollfd *p, int n)
{
	/* By fd, not by slot: a callback may add or remove watches, and
	 * one that is over is found again by what it is, in case the
	 * callback gave its fd number to a new watch. */
	for (int i = 0; ws && i < n; i++) {
		int j = p[i].revents ? find(ws, p[i].fd, NULL, NULL) : -1;
		if (j < 0)
			continue;
		struct bx_watch w = ws->w[j];
		if (!w.ready(w.ctx, w.fd, p[i].revents))
			drop(ws, find(ws, w.fd, w.ready, w.ctx));
	}
}
