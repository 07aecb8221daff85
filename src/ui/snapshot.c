/* Sampling for the dashboard: one round reads every state dir and, for
 * the containers that run, their live figures through bx_sample() (the
 * modules' stats hooks, exactly what `boxlab stats` shows). */
#include "ui/snapshot.h"
#include "cli/cli.h"
#include "core/proc.h"
#include "core/sample.h"
#include "modules/checkpoint.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>
#include <unistd.h>

void bxui_ring_push(struct bxui_ring *r, uint64_t t, double v)
{
	r->t[r->head] = t;
	r->v[r->head] = v;
	r->head = (r->head + 1) % BXUI_RING;
	if (r->len < BXUI_RING)
		r->len++;
}

bool bxui_ring_get(const struct bxui_ring *r, unsigned i, uint64_t *t, double *v)
{
	if (i >= r->len)
		return false;
	unsigned k = (r->head + BXUI_RING - 1 - i) % BXUI_RING;
	*t = r->t[k];
	*v = r->v[k];
	return true;
}

double bxui_cpu_percent(const struct bx_stats *prev, const struct bx_stats *now)
{
	if (!prev || now->sampled_us <= prev->sampled_us || now->cpu_ns < prev->cpu_ns)
		return 0;
	return (double)(now->cpu_ns - prev->cpu_ns) / 1000.0 / (double)(now->sampled_us - prev->sampled_us) * 100.0;
}

const char *bxui_status_text(const struct bxui_ctr *c)
{
	if (c->status == BX_EXITED && c->oom_killed)
		return "oom-killed";
	if (c->checkpointed)
		return "checkpointed";
	/* A running container with a health check shows its health. */
	if (c->status == BX_RUNNING && c->health[0])
		return c->health;
	return bx_status_name(c->status);
}

struct bxui_hist *bxui_hist_get(struct bxui_sampler *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->h[i]->name, name))
			return s->h[i];
	/* Pointers, not an array of structs: a bxui_ctr keeps pointing at
	 * its history while the list grows. */
	s->h = xrealloc(s->h, (s->n + 1) * sizeof *s->h);
	struct bxui_hist *h = xzalloc(sizeof *h);
	h->name = xstrdup(name);
	s->h[s->n++] = h;
	return h;
}

static void hist_free(struct bxui_hist *h)
{
	free(h->name);
	free(h);
}

/* Forget the containers that are gone (removed, or renamed by nobody:
 * a name that comes back is a new container with a fresh history). */
static void sampler_prune(struct bxui_sampler *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->h[i]->seen)
			s->h[k++] = s->h[i];
		else
			hist_free(s->h[i]);
	}
	s->n = k;
}

void bxui_snapshot_free(struct bxui_snapshot *snap)
{
	for (size_t i = 0; i < snap->n; i++) {
		free(snap->c[i].name);
		free(snap->c[i].image);
		free(snap->c[i].command);
	}
	free(snap->c);
	memset(snap, 0, sizeof *snap);
}

void bxui_sampler_free(struct bxui_sampler *s)
{
	for (size_t i = 0; i < s->n; i++)
		hist_free(s->h[i]);
	free(s->h);
	memset(s, 0, sizeof *s);
}

static void fill_one(struct bxui_sampler *s, struct bxui_ctr *c, const struct bx_state *st)
{
	bx_err_t err = NULL;
	c->name = xstrdup(st->name);
	c->image = xstrdup(st->image ? st->image : "");
	c->command = st->command ? strv_join(st->command, " ") : xstrdup("");
	c->status = bx_cli_live_status(st);
	c->oom_killed = st->oom_killed;
	snprintf(c->health, sizeof c->health, "%s", st->health);
	c->exit_code = st->exit_code;
	c->pid = st->pid;
	c->started_us = st->started_us;
	c->finished_us = st->finished_us;
	bx_module_switches(st->modules, c->modules);

	struct bxui_hist *h = bxui_hist_get(s, c->name);
	h->seen = true;
	c->hist = h;
	if (c->status != BX_RUNNING && c->status != BX_PAUSED) {
		/* `checkpoint` stops it and keeps the images outside the
		 * state dir, where `restore` finds them. */
		cleanup_free char *ckpt = bx_checkpoint_dir(c->name);
		c->checkpointed = access(ckpt, F_OK) == 0;
		h->have_prev = false;
		return;
	}
	if (bx_sample_of(st, &c->stats, &err) < 0) {
		/* It stopped between the state read and the sample. */
		bx_error_release(&err);
		h->have_prev = false;
		return;
	}
	c->live = true;
	c->cpu_pct = c->stats.paused ? 0 : bxui_cpu_percent(h->have_prev ? &h->prev : NULL, &c->stats);
	/* The first sample has no CPU baseline: it starts the graph at the
	 * second, rather than with a false 0. */
	if (h->have_prev)
		bxui_ring_push(&h->cpu, c->stats.sampled_us, c->cpu_pct);
	bxui_ring_push(&h->mem, c->stats.sampled_us, (double)c->stats.mem_bytes);
	h->prev = c->stats;
	h->have_prev = true;
}

void bxui_sample(struct bxui_sampler *s, struct bxui_snapshot *snap)
{
	uint64_t t0 = bx_now_us();
	bx_sample_keep_open(); /* it samples every second */
	cleanup_strv char **names = bx_state_list();
	size_t cap = strv_len(names);

	bxui_snapshot_free(snap);
	snap->c = xzalloc((cap + 1) * sizeof *snap->c);
	for (size_t i = 0; i < s->n; i++)
		s->h[i]->seen = false;
	for (size_t i = 0; names[i]; i++) {
		struct bx_state own;
		bx_err_t err = NULL;
		const struct bx_state *st = bx_sample_state(names[i], &own, &err);
		if (!st) {
			/* Being created or removed right now: next round. */
			bx_error_release(&err);
			continue;
		}
		fill_one(s, &snap->c[snap->n++], st);
		if (st == &own)
			bx_state_free(&own);
	}
	sampler_prune(s);
	snap->taken_us = bx_now_us();
	snap->taken_real_us = bx_realtime_us();
	snap->sample_us = snap->taken_us - t0;
}

const struct bxui_ctr *bxui_snapshot_find(const struct bxui_snapshot *snap, const char *name)
{
	for (size_t i = 0; name && i < snap->n; i++)
		if (!strcmp(snap->c[i].name, name))
			return &snap->c[i];
	return NULL;
}
