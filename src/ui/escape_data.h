/* The escape lab's data, without curses (tests/unit/test_escape.c):
 * the catalogue `boxlab attack --list --json` prints, the result of one
 * `boxlab attack NAME ... --json` run, and what a scan with one module
 * off at a time says blocked an attack.  The dashboard never judges an
 * attack itself: every verdict here is the one the attack command got
 * from the host. */
#ifndef BXUI_ESCAPE_DATA_H
#define BXUI_ESCAPE_DATA_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

enum bxui_verdict {
	BXUI_V_UNKNOWN, /* not run, or the run failed */
	BXUI_V_BLOCKED,
	BXUI_V_ESCAPED,
	BXUI_V_NA, /* the kernel does not allow it even with isolation off */
};

/* One entry of the catalogue. */
struct bxui_attack {
	char *name;
	char *what;       /* what it tries, one line; "" when not said */
	char *mirrors;    /* the incident or CVE; "" when not said */
	char *canary;     /* what the host plants and checks; "" when not said */
	/* The catalogue's modules whose removal alone lets it through; empty
	 * when no single one does (layers overlap), NULL when not said. */
	char **blocked_by;
};

/* `attack --list --json`: a list of objects with "name" (and what they
 * have of summary/what/description, mirrors/cve, canary, blocked_by), or an
 * object holding such a list under "attacks". */
int bxui_attacks_parse(const char *json, struct bxui_attack **out, size_t *n, bx_err_t *err);
void bxui_attacks_free(struct bxui_attack *a, size_t n);

/* One run of one attack. */
struct bxui_attack_run {
	enum bxui_verdict verdict;
	char *claim;    /* what the attack said it did (shown, never trusted) */
	char *evidence; /* what the host found */
	char **modules; /* the modules that were on */
	char *error;    /* no verdict: why (the command's last line) */
};

/* From the command's stdout, stderr and exit code; a failed run or
 * output that is not a verdict fills error.  Frees what r held. */
void bxui_attack_run_parse(const char *out, const char *err, int code, struct bxui_attack_run *r);
void bxui_attack_run_free(struct bxui_attack_run *r);

enum bxui_verdict bxui_verdict_parse(const char *text);
const char *bxui_verdict_text(enum bxui_verdict v); /* "ESCAPED", "BLOCKED", "N/A", "?" */

/* The modules that, each switched off alone, let the attack through:
 * names[i] with verdict[i], n of them; written into buf as "caps,
 * seccomp", or "" when none did. */
void bxui_blockers(char *const *names, const enum bxui_verdict *verdict, size_t n, char *buf, size_t len);

#endif
