/* The dashboard's data: what one sampling round saw of every container,
 * and the per-container history (a minute of CPU and memory samples)
 * that outlives the rounds so the sparklines have something to draw.
 *
 * Sampling is separate from drawing (htop's Meter_updateValues vs.
 * Meter_draw): bxui_sample() fills a struct bxui_snapshot from the state
 * dirs and bx_sample() -- the code `boxlab stats` uses -- and the panels
 * only read it.  Nothing here includes curses, so the unit tests link it
 * without a terminal. */
#ifndef BXUI_SNAPSHOT_H
#define BXUI_SNAPSHOT_H

#include "core/state.h"
#include "modules/module.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Samples kept per container: a minute at the fastest sensible
 * interval (0.5 s) with room to spare. */
#define BXUI_RING 160
#define BXUI_WINDOW_US (60ull * 1000000)

/* Timestamped samples (CLOCK_MONOTONIC µs), oldest overwritten first. */
struct bxui_ring {
	uint64_t t[BXUI_RING];
	double v[BXUI_RING];
	unsigned head; /* next slot to write */
	unsigned len;
};

void bxui_ring_push(struct bxui_ring *r, uint64_t t, double v);
/* The i-th newest sample (0 = newest); false past the end. */
bool bxui_ring_get(const struct bxui_ring *r, unsigned i, uint64_t *t, double *v);

/* What a container did across rounds: the previous cumulative counters
 * (for CPU %) and the sparkline rings. */
struct bxui_hist {
	char *name;
	struct bx_stats prev;
	bool have_prev;
	bool seen; /* in the latest round; the others are dropped */
	struct bxui_ring cpu; /* percent of one CPU */
	struct bxui_ring mem; /* bytes */
};

struct bxui_ctr {
	char *name, *image, *command;
	enum bx_status status; /* as it really is (a dead supervisor: dead) */
	bool oom_killed;
	char health[12]; /* "" without a health check (core/supervise.h) */
	bool checkpointed; /* not running, and a checkpoint of it exists */
	int exit_code;
	pid_t pid;
	int64_t started_us, finished_us; /* CLOCK_REALTIME */
	bool modules[BX_MAX_MODULES];
	bool live; /* stats below were sampled this round */
	struct bx_stats stats;
	double cpu_pct; /* of one CPU, over the last interval */
	const struct bxui_hist *hist; /* owned by the sampler; NULL if none */
};

struct bxui_snapshot {
	struct bxui_ctr *c;
	size_t n;
	uint64_t taken_us;     /* CLOCK_MONOTONIC */
	int64_t taken_real_us; /* CLOCK_REALTIME, for uptimes */
	uint64_t sample_us;    /* how long the round took */
};

struct bxui_sampler {
	struct bxui_hist **h;
	size_t n;
};

/* One round: replaces *snap (freeing what it held). */
void bxui_sample(struct bxui_sampler *s, struct bxui_snapshot *snap);
void bxui_snapshot_free(struct bxui_snapshot *snap);
void bxui_sampler_free(struct bxui_sampler *s);

/* The history of name, made on first use. */
struct bxui_hist *bxui_hist_get(struct bxui_sampler *s, const char *name);
/* CPU % of one CPU between two cumulative samples; 0 without a usable
 * previous one. */
double bxui_cpu_percent(const struct bx_stats *prev, const struct bx_stats *now);
/* "running", "paused", "exited", "oom-killed", "checkpointed", "dead" ... */
const char *bxui_status_text(const struct bxui_ctr *c);

const struct bxui_ctr *bxui_snapshot_find(const struct bxui_snapshot *snap, const char *name);

#endif
