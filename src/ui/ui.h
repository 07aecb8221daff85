/* `boxlab dash`: the entry point the command (src/cli/dash.c) calls.
 * Nothing in this header needs curses: only src/ui/ includes it. */
#ifndef BXUI_UI_H
#define BXUI_UI_H

#include "core/err.h"

struct bxui_options {
	long interval_ms; /* between samples */
	long bench_frames; /* > 0: quit after that many frames, print timings */
	const char *image; /* of containers the module panel starts */
	const char *command;
};

/* Runs until the user quits (0) or the terminal cannot be used (-1, err
 * set).  The terminal is restored on every way out. */
int bxui_dash_run(const struct bxui_options *opt, bx_err_t *err);

#endif
