#include "core/watch.h"

bool bx_watch_add(struct bx_watches *ws, int fd, bool (*ready)(void *, int, short), void *ctx)
{
	if (ws->n >= BX_WATCH_MAX)
		return false;
	ws->w[ws->n++] = (struct bx_watch){.fd = fd, .ready = ready, .ctx = ctx};
	return true;
}

void bx_watch_remove(struct bx_watches *ws, int fd)
{
	for (int i = 0; i < ws->n; i++)
		if (ws->w[i].fd == fd) {
			ws->w[i] = ws->w[--ws->n];
			return;
		}
}

int bx_watch_fill(const struct bx_watches *ws, struct pollfd *p)
{
	for (int i = 0; ws && i < ws->n; i++)
		p[i] = (struct pollfd){.fd = ws->w[i].fd, .events = POLLIN};
	return ws ? ws->n : 0;
}

void bx_watch_dispatch(struct bx_watches *ws, const struct pollfd *p, int n)
{
	/* By fd, not by slot: a callback may add or remove watches. */
	for (int i = 0; ws && i < n; i++) {
		if (!p[i].revents)
			continue;
		for (int j = 0; j < ws->n; j++) {
			struct bx_watch w = ws->w[j];
			if (w.fd != p[i].fd)
				continue;
			if (!w.ready(w.ctx, w.fd, p[i].revents))
				for (int k = 0; k < ws->n; k++)
					if (ws->w[k].fd == w.fd && ws->w[k].ready == w.ready && ws->w[k].ctx == w.ctx) {
						ws->w[k] = ws->w[--ws->n];
						break;
					}
			break;
		}
	}
}
