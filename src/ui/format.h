/* The dashboard's pure parts: glyph sets, numbers in few columns,
 * sparklines and timeline bars rendered into strings, the module letter
 * matrix, the container table's columns, their layout for a width, and
 * sorting and filtering.  No curses here: tests/unit/test_ui.c checks all
 * of it without a terminal, and the panels only put the strings on the
 * screen. */
#ifndef BXUI_FORMAT_H
#define BXUI_FORMAT_H

#include "ui/snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Line drawing and bars: UTF-8 when the locale's codeset is UTF-8,
 * ASCII otherwise.  Every glyph is one column wide. */
struct bxui_glyphs {
	bool utf8;
	const char *hline, *vline, *tl, *tr, *bl, *br; /* box drawing */
	const char *spark[8];                            /* lowest to full */
	const char *eighths[8];                          /* left partial blocks: 1/8 .. 8/8 */
	const char *rhalf, *reighth;                     /* right half, right eighth */
	const char *shade;                               /* a dim fill: paused time */
	const char *up, *down;                           /* sort direction */
	const char *ellipsis;
	const char *usec; /* "µs" or "us" */
	const char *inf;  /* no limit */
};
extern const struct bxui_glyphs bxui_glyphs_utf8, bxui_glyphs_ascii;
/* codeset: nl_langinfo(CODESET) after setlocale(LC_ALL, ""). */
const struct bxui_glyphs *bxui_glyphs_for(const char *codeset);

/* Display columns of a UTF-8 string (every glyph we print is one wide). */
size_t bxui_width(const char *s);
/* Copy s into buf padded with spaces, or cut with the ellipsis, to
 * exactly width columns; right-aligned when right. */
void bxui_pad(char *buf, size_t len, const char *s, int width, bool right, const struct bxui_glyphs *g);

/* "0", "512", "4.0K", "12M", "1.5G": at most 5 columns, binary units. */
void bxui_fmt_bytes(uint64_t n, char *buf, size_t len);
/* "42s", "12m05", "3h05", "2d04": at most 5 columns. */
void bxui_fmt_uptime(int64_t us, char *buf, size_t len);
/* A step's duration: "87µs", "1234µs", "12.3ms", "1.20s". */
void bxui_fmt_dur(uint64_t us, const struct bxui_glyphs *g, char *buf, size_t len);

/* One letter per registry module, distinct: the first letter of its
 * name not taken yet (lower case, then upper case).  letters[i] is the
 * letter of bx_modules[i]; the string ends with NUL. */
void bxui_module_letters(char *letters, size_t len);
/* The matrix of one container: its letter where a module is on, '.'
 * where it is off.  buf gets bx_module_count() + 1 bytes. */
void bxui_module_matrix(const bool on[BX_MAX_MODULES], char *buf, size_t len);

/* Values of a ring over the last window_us before now, in width time
 * buckets (the largest sample of each; a bucket without one repeats the
 * last value before it).  have[i] is false before the first sample. */
void bxui_buckets(const struct bxui_ring *r, uint64_t now, uint64_t window_us, int width, double *val, bool *have);
/* A sparkline of width glyphs: blank with no data, the lowest glyph at
 * 0, higher for more, full at the scale: max, or the window's own
 * maximum when that is higher (max 0: always the window's). */
void bxui_spark(const struct bxui_ring *r, uint64_t now, uint64_t window_us, double max, int width,
		const struct bxui_glyphs *g, char *buf, size_t len);
/* A timeline bar: the interval [start, start+dur) of [0, span) drawn
 * over width columns, with eighth blocks (UTF-8) at its ends; at least
 * one eighth (one '#') so the shortest step still shows. */
void bxui_bar(uint64_t start, uint64_t dur, uint64_t span, int width, const struct bxui_glyphs *g, char *buf,
	      size_t len);

/* One cell of a graph height rows tall: row 0 is the bottom one. */
const char *bxui_graph_glyph(double v, double max, int height, int row, const struct bxui_glyphs *g);

/* Split a timeline: setup[i] is true for the events that began at or
 * before the container's first "core exec" (every event when it never
 * got there); returns the setup's span in µs (to the end of the last
 * setup step), never 0. */
struct bx_event;
uint64_t bxui_tl_split(const struct bx_event *ev, size_t n, bool *setup);
/* Time since exec: "+0.52s", "+3m05". */
void bxui_fmt_offset(uint64_t us, char *buf, size_t len);

/* The container table. */
enum bxui_col {
	BXUI_COL_NAME,
	BXUI_COL_IMAGE,
	BXUI_COL_STATUS,
	BXUI_COL_MODULES,
	BXUI_COL_CPU,
	BXUI_COL_CPU_GRAPH,
	BXUI_COL_MEM,
	BXUI_COL_MEM_GRAPH,
	BXUI_COL_PIDS,
	BXUI_COL_NET,
	BXUI_COL_UPTIME,
	BXUI_COL_N,
};

struct bxui_col_def {
	const char *title;
	int width;    /* preferred; NAME grows into what is left */
	int priority; /* 0 is shown first; the narrowest screens drop the highest */
	bool right;
	enum bxui_col sort_as; /* a graph sorts like its figure */
};
extern const struct bxui_col_def bxui_cols[BXUI_COL_N];

/* Which columns fit in width (with one space between), and how wide
 * each is; widths[c] is 0 for a column left out.  NAME always fits. */
void bxui_layout(int width, int widths[BXUI_COL_N]);
/* The text of one cell, exactly widths[col] columns. */
void bxui_cell(const struct bxui_ctr *c, enum bxui_col col, int width, uint64_t now, int64_t now_real,
	       const struct bxui_glyphs *g, char *buf, size_t len);
/* Header cell, with the sort arrow on the sort column. */
void bxui_header_cell(enum bxui_col col, int width, enum bxui_col sort, bool desc, const struct bxui_glyphs *g,
		      char *buf, size_t len);

/* Case-insensitive substring of name, image, status or command; an
 * empty or NULL filter matches all. */
bool bxui_match(const struct bxui_ctr *c, const char *filter);
/* Fill idx with the rows to show, in order; returns how many. */
size_t bxui_view(const struct bxui_snapshot *snap, const char *filter, enum bxui_col sort, bool desc,
		 size_t *idx);
int bxui_compare(const struct bxui_ctr *a, const struct bxui_ctr *b, enum bxui_col sort);

#endif
